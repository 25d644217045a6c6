Feature: ACT-7 A read-only dry run reported every checklist item ok
  Protects: activation only after the pipeline ran read-only (enable_auto_trade=False) for this
  environment and its live-readiness checklist came out ok; blocking reasons are recomputed from
  the items, never taken from the report's own (always empty) list.
  Impact: blocker. Accepted by: SRE.
  References: PAPER_TO_LIVE_RUNBOOK.md §2.7; FORMATS.md §0.12, §5.4.

  @ACT-7 @owner-sre @live_gate
  Scenario: The recorded dry run is recent, read-only and ok
    Given the environment under judgement
    Then a recent read-only dry run of the environment reported every checklist item ok
