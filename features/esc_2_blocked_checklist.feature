Feature: ESC-2 A blocked live-readiness checklist item stops the migration
  Protects: the bot's checklist is informational in code (nothing refuses to start on a blocked
  item); the runbook makes a blocked item stop the bootstrap. The gate recomputes the checklist
  as the bot builds it and names every blocked item with its reasons.
  Impact: blocker. Accepted by: Compliance.
  References: PAPER_TO_LIVE_RUNBOOK.md §3 (Niespełnione limity); FORMATS.md §0.11, §1.9.

  @ESC-2 @owner-compliance @live_gate
  Scenario: The bot's own checklist reports no blocked item
    Given the environment under judgement
    Then no item of the bot's live-readiness checklist is blocked
