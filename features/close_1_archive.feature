Feature: CLOSE-1 The window's audit logs are archived with checksums
  Protects: what happened during the live window can be proven later, from files that have
  not changed since they were archived.
  Impact: blocker. Accepted by: Compliance.
  References: PAPER_TO_LIVE_RUNBOOK.md §4.1; FORMATS.md §5.3.

  @CLOSE-1 @owner-compliance @live_close
  Scenario: The audit logs of the window are archived intact
    Given the environment under judgement
    Then the window's audit logs are archived with checksums that match them
