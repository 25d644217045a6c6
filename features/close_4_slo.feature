Feature: CLOSE-4 SLO and SLI metrics stayed within thresholds during the window
  Protects: the live window is closed only when SRE can show every SLO (bot_ui_*, risk_service,
  decision latency, fill rate, ...) held over the whole window.
  Impact: blocker. Accepted by: SRE.
  References: PAPER_TO_LIVE_RUNBOOK.md §4.4; config/observability/slo.yml.

  @CLOSE-4 @owner-sre @live_close
  Scenario: The whole window met every SLO
    Given the environment under judgement
    Then every SLO was met over the whole live window
