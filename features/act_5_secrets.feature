Feature: ACT-5 Trade keys rotated and the IP allowlist set
  Protects: real money is reached only with a recently rotated trade key, from known hosts, by a
  key that cannot withdraw.
  Impact: blocker. Accepted by: Security.
  References: PAPER_TO_LIVE_RUNBOOK.md §2.5; FORMATS.md §4.1 (rotation registry), §4.2, §4.3.

  @ACT-5 @owner-security @live_gate
  Scenario: The trade key was rotated recently
    Given the environment under judgement
    Then the environment's trade key was rotated within the policy's interval

  @ACT-5 @owner-security @live_gate
  Scenario: Only known hosts may use the key
    Given the environment under judgement
    Then the IP allowlist names the trading hosts by literal address

  @ACT-5 @owner-security @live_gate
  Scenario: The key cannot withdraw funds
    Given the environment under judgement
    Then the key may trade but never withdraw
