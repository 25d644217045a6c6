Feature: PRE-2 Risk limits of the environment's risk profile
  Protects: no trading without daily-loss, drawdown, position-size and open-position limits
  that are set, consistent with each other and within what the firm's policy allows.
  Impact: blocker. Accepted by: Risk.
  References: PAPER_TO_LIVE_RUNBOOK.md §1 (Limity ryzyka); FORMATS.md §1.2.

  @PRE-2 @owner-risk @live_gate @paper_nightly
  Scenario: The risk profile sets sound limits
    Given the environment under judgement
    Then the environment's risk profile sets its four limits, positive, consistent and within the policy's caps
