Feature: ACT-8 The first 60 minutes after activation stayed within thresholds
  Protects: a live activation is only kept if its first hour met every SLO the bot defines.
  Impact: blocker. Accepted by: SRE.
  References: PAPER_TO_LIVE_RUNBOOK.md §2.8; config/observability/slo.yml; bot_core/observability/slo.py.

  @ACT-8 @owner-sre @live_close
  Scenario: The first hour met every SLO
    Given the environment under judgement
    Then every SLO was met during the first 60 minutes after activation
