Feature: ACT-3 Live limits are consistent with what paper trading showed
  Protects: the live risk profile is not tighter than the behaviour paper trading displayed: a
  paper drawdown, daily loss, position share or position count beyond the live limit is a
  discrepancy to resolve before activation, stated with both numbers.
  Impact: blocker. Accepted by: Risk.
  References: PAPER_TO_LIVE_RUNBOOK.md §2.3; FORMATS.md §2.6 (paper ledger).

  @ACT-3 @owner-risk @live_gate
  Scenario: Paper trading stayed within the live limits
    Given the environment under judgement
    Then what paper trading showed stays within the live risk profile's limits
