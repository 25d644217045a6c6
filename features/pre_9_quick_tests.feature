Feature: PRE-9 The deployment's own quick tests passed recently
  Protects: no configuration is frozen, and no nightly paper run is trusted, unless the quick
  tests the runbook lists were run recently and passed.
  Impact: blocker. Accepted by: SRE.
  References: PAPER_TO_LIVE_RUNBOOK.md §1.1; results recorded as JUnit XML under
  var/audit/quick_tests/<command>.xml (gate policy quick_tests_dir, quick_tests_max_age_hours).

  @PRE-9 @owner-sre @live_gate @paper_nightly
  Scenario Outline: The quick test <command> passed recently
    Given the environment under judgement
    Then the recorded result of the quick test "<command>" is recent and shows no failure

    Examples:
      | command         |
      | lint_paths      |
      | mypy            |
      | e2e_demo_paper  |
      | paper_execution |
      | router_failover |
