Feature: ACT-1 The configuration is frozen
  Protects: what trades real money is byte for byte the configuration that was reviewed and
  archived, under a signed manifest with true SHA-256 sums.
  Impact: blocker. Accepted by: Compliance.
  References: PAPER_TO_LIVE_RUNBOOK.md §2.1; FORMATS.md §5.2 (stage6.runbook.manifest);
  `live-gate freeze DIR --key-id ID` writes the archive.

  @ACT-1 @owner-compliance @live_gate
  Scenario: The configuration matches its signed freeze
    Given the environment under judgement
    Then the configuration is frozen in a signed archive and has not changed since
