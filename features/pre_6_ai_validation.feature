Feature: PRE-6 AI model validation reports
  Protects: no model trades real money unless its latest walk-forward validation, data-quality
  and drift reports are complete, within thresholds and signed off by compliance and risk.
  "Latest" is chosen as the bot chooses it: the greatest file name.
  Impact: blocker. Accepted by: AI and Compliance.
  References: PAPER_TO_LIVE_RUNBOOK.md §1 (Walidacja modeli AI); FORMATS.md §2.1;
  schemas live_gate/schemas/ai_{walk_forward,data_quality,drift}.schema.json.

  @PRE-6 @owner-ai @owner-compliance @live_gate @paper_nightly
  Scenario: The model's walk-forward validation passes
    Given the environment under judgement
    Then the latest walk-forward validation is complete, accurate enough and signed off by compliance and risk

  @PRE-6 @owner-ai @owner-compliance @live_gate @paper_nightly
  Scenario: The training data is of sound quality
    Given the environment under judgement
    Then the latest data-quality report is ok and names no critical issue

  @PRE-6 @owner-ai @owner-compliance @live_gate @paper_nightly
  Scenario: The model's inputs have not drifted
    Given the environment under judgement
    Then the latest drift report shows drift below its threshold and no triggered feature
