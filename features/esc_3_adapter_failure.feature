Feature: ESC-3 No exchange adapter requires a reconnect
  Protects: no trading through an adapter that has lost its connection; the answer is to degrade
  to paper/testnet and follow the STAGE6 resilience runbook.
  Impact: blocker. Accepted by: SRE.
  References: PAPER_TO_LIVE_RUNBOOK.md §3 (Awaria adaptera); FORMATS.md §6.2 (failover_status).

  @ESC-3 @owner-sre @live_gate @paper_nightly
  Scenario: Every adapter of the environment is connected
    Given the environment under judgement
    Then no exchange adapter of the environment requires a reconnect
