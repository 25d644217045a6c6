Feature: ACT-6 AutoTrader confirmation trusted only where intended
  Protects: demo and paper entrypoints never start trading without a click; a live entrypoint
  that does is shown, in the AutoTrader log, to have started that way.
  Impact: blocker. Accepted by: SRE and Compliance.
  References: PAPER_TO_LIVE_RUNBOOK.md §2.6; FORMATS.md §1.3 (trusted_auto_confirm).

  @ACT-6 @owner-sre @owner-compliance @live_gate @paper_nightly
  Scenario: Automatic confirmation is trusted only where the runbook allows it
    Given the environment under judgement
    Then automatic confirmation of auto-trade is trusted only where the runbook allows it
