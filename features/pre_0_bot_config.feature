Feature: PRE-0 The bot accepts its configuration at start-up
  Protects: no window is opened, run or closed on a config/core.yaml that the bot's own start-up
  validation (assert_core_config_valid, run by bootstrap) refuses: such a bot never trades.
  Impact: blocker. Accepted by: SRE.
  References: FORMATS.md §0.1; bot_core/config/validation.py and config/loader.py at upstream
  Dudzian/Dudzian f59f9e73 (README "PRE-0").

  @PRE-0 @owner-sre @live_gate @paper_nightly @live_close
  Scenario: The bot's own configuration validation finds no error
    Given the environment under judgement
    Then the bot's own start-up validation accepts the core configuration
