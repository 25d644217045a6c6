Feature: PRE-8 Paper trading accounting is sound
  Protects: the paper results the migration relies on are real accounting: every fill paid the
  configured fee, respected the market's minimums, and the balances replayed from the initial
  ones never went negative without margin.
  Impact: blocker. Accepted by: Risk.
  References: PAPER_TO_LIVE_RUNBOOK.md §1.1 (paper test); FORMATS.md §2.6, §6.4.

  @PRE-8 @owner-risk @live_gate @paper_nightly
  Scenario: The paper ledger reconciles
    Given the environment under judgement
    Then the paper ledger reconciles: fees at the configured rates, market minimums respected, and balances never negative without margin

  @PRE-8 @owner-risk @live_gate @paper_nightly
  Scenario: The paper simulator applies the bot's rules
    Given the environment under judgement
    Then the paper simulator applies the market's minimums, the fees of each order type, adverse slippage and the quote balance
