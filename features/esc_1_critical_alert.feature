Feature: ESC-1 No unconfirmed critical alert is open
  Protects: no activation while a critical alert is unanswered; the answer is the runbook's:
  auto-trade off, emergency mode in the RiskEngine, escalation to #sec-alerts.
  Impact: blocker. Accepted by: SRE and Security.
  References: PAPER_TO_LIVE_RUNBOOK.md §3 (Alert krytyczny / brak potwierdzenia).

  @ESC-1 @owner-sre @owner-security @live_gate
  Scenario: Every critical alert has been acknowledged
    Given the environment under judgement
    Then every recent critical alert has been acknowledged
