Feature: ACT-2 Sign-offs match the current compliance register
  Protects: activation only with every signature the compliance register requires for the
  environment; a missing signature blocks the migration.
  Impact: blocker. Accepted by: Compliance.
  References: PAPER_TO_LIVE_RUNBOOK.md §2.2; register format: live_gate/schemas/compliance_register.schema.json.

  @ACT-2 @owner-compliance @live_gate
  Scenario: The register's required sign-offs are all present
    Given the environment under judgement
    Then every sign-off the current compliance register requires for the environment is present
