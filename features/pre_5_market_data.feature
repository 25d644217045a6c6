Feature: PRE-5 Market data complete for the live market
  Protects: no strategy trades on holes or stale prices: every series of the environment's universe
  is backfilled over its lookback, has no hole longer than max_gap_minutes, is fresh at the
  evaluation instant, and enough series are ok (min_ok_ratio); the bot's persisted risk state
  (risk_state/<profile>.json) is current and its kill-switch is not engaged.
  Impact: blocker. Accepted by: Data.
  References: PAPER_TO_LIVE_RUNBOOK.md §1 (Dostęp do danych); FORMATS.md §1.1 (data_quality);
  upstream bot_core/data/ohlcv (Parquet partitions, SQLite manifest, coverage check).

  @PRE-5 @owner-data @live_gate @paper_nightly
  Scenario: The environment's market data is complete and fresh
    Given the environment under judgement
    Then the market data of every traded series is complete and fresh, and a current risk snapshot is present
