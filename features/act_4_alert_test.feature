Feature: ACT-4 The alert test reached every critical channel
  Protects: before real money, a critical alert provably reaches every channel of the
  environment, and the throttle has not swallowed anything critical.
  Impact: blocker. Accepted by: SRE.
  References: PAPER_TO_LIVE_RUNBOOK.md §2.4; FORMATS.md §1.9 (__suppressed__), §2.2.

  @ACT-4 @owner-sre @live_gate
  Scenario: A test alert was delivered and audited on every channel
    Given the environment under judgement
    Then a critical test alert reached every channel of the environment recently, and no critical alert was throttled
