Feature: PRE-3 Alert channels, throttling and the alert audit log
  Protects: every alert reaches a real channel, critical alerts are never throttled, and every
  alert leaves a durable, parseable audit record.
  Impact: blocker. Accepted by: SRE.
  References: PAPER_TO_LIVE_RUNBOOK.md §1 (Alerty i audyt); FORMATS.md §1.5, §1.9, §2.2.

  @PRE-3 @owner-sre @live_gate @paper_nightly
  Scenario: Every alert channel resolves
    Given the environment under judgement
    Then every alert channel of the environment resolves to a defined channel

  @PRE-3 @owner-sre @live_gate @paper_nightly
  Scenario: Critical alerts are never throttled
    Given the environment under judgement
    Then the alert throttle exists and never throttles critical alerts

  @PRE-3 @owner-sre @live_gate @paper_nightly
  Scenario: Alerts are audited to durable files
    Given the environment under judgement
    Then alerts are audited to files kept at least as long as the policy requires, and every audit record parses
