Feature: CLOSE-2 The migration summary is complete
  Protects: compliance receives one document with the KYC status, the limits, the alerts and the
  window's duration, free of warnings and of secrets.
  Impact: blocker. Accepted by: Compliance.
  References: PAPER_TO_LIVE_RUNBOOK.md §4.2; FORMATS.md §5.1; schema migration_summary.

  @CLOSE-2 @owner-compliance @live_close
  Scenario: The migration summary is complete and clean
    Given the environment under judgement
    Then the migration summary states the KYC status, the limits, the alerts and the window's duration, with no warning and no passphrase
