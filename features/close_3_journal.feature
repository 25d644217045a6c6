Feature: CLOSE-3 The decision journal records the paper to live transition
  Protects: the trading decision journal, the record compliance audits, says when this
  environment went from paper to live.
  Impact: blocker. Accepted by: Compliance.
  References: PAPER_TO_LIVE_RUNBOOK.md §4.3; FORMATS.md §2.3 (event paper_to_live_transition).

  @CLOSE-3 @owner-compliance @live_close
  Scenario: The transition is in the decision journal
    Given the environment under judgement
    Then the decision journal records the paper to live transition of the environment
