Feature: PRE-7 The live execution router fails over safely
  Protects: the most expensive failure of going live, an order sent twice or sent to the wrong place
  when an exchange misbehaves. The routes the bot will use (core.yaml execution.live_router, and
  runtime.yaml execution.live when it is enabled) are driven against real ccxt exchange clients
  whose HTTP a stateful fake exchange answers from its own book; a fault is a condition of an
  exchange, and the router is judged by what the exchanges' books hold afterwards. The router under
  test is the policy's router_factory. A request the fake exchanges cannot answer is an error of the
  gate, never a verdict on the router.
  Impact: blocker. Accepted by: SRE and Risk.
  References: PAPER_TO_LIVE_RUNBOOK.md §1.1 (router test); FORMATS.md §0.6-§0.8, §6.1-§6.3;
  TOOLING_NOTES.md §D.

  @PRE-7 @owner-sre @owner-risk @live_gate @paper_nightly
  Scenario Outline: A transient fault moves the order to the backup exchange: <fault>
    Given the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP
    When the primary exchange answers every order with <fault>
    And a live order is sent
    Then no exchange received the order more often than the route's retry budget
    And the backup exchange fills the order

    Examples:
      | fault                  |
      | a refused connection   |
      | an HTTP 502            |
      | a read timeout         |
      | HTTP 429 rate limiting |

  @PRE-7 @owner-sre @owner-risk @live_gate @paper_nightly
  Scenario: Without cross-exchange fallback the order stays on the primary exchange
    Given the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP
    And the route does not allow cross-exchange fallback
    When the primary exchange answers every order with a refused connection
    And a live order is sent
    Then the order fails without reaching the backup exchange

  @PRE-7 @owner-sre @owner-risk @live_gate @paper_nightly
  Scenario Outline: A rejection is final: <fault>
    Given the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP
    When the primary exchange answers every order with <fault>
    And a live order is sent
    Then the order is refused at once, and no other exchange receives it

    Examples:
      | fault                   |
      | an authentication error |
      | insufficient funds      |
      | an invalid order        |

  @PRE-7 @owner-sre @owner-risk @live_gate @paper_nightly
  Scenario: An order that went through before a timeout is reconciled, not repeated
    Given the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP
    When the primary exchange times out after receiving the order, and looking it up by its client order id finds it
    And a live order is sent
    Then the order counts as executed on the primary exchange, placed exactly once

  @PRE-7 @owner-sre @owner-risk @live_gate @paper_nightly
  Scenario: An order whose fate cannot be established is never placed again
    Given the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP
    When the primary exchange times out after receiving the order, and looking it up by its client order id fails
    And a live order is sent
    Then the outcome is reported unknown and the order is never placed again

  @PRE-7 @owner-sre @owner-risk @live_gate @paper_nightly
  Scenario: A timeout well within the latency budget still moves the order to the backup exchange
    Given the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP
    When the primary exchange times out on every order after 20% of the route's latency budget, without booking it
    And a live order is sent
    Then the backup exchange fills the order
    And no exchange received the order after the route's latency budget was spent

  @PRE-7 @owner-sre @owner-risk @live_gate @paper_nightly
  Scenario: A timeout slower than the latency budget ends the order's attempts
    Given the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP
    When the primary exchange times out on every order after 150% of the route's latency budget, without booking it
    And a live order is sent
    Then no exchange received the order after the route's latency budget was spent

  @PRE-7 @owner-sre @owner-risk @live_gate @paper_nightly
  Scenario: Concurrent orders respect each exchange's concurrency limit
    Given the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP
    When 6 live orders are sent at once
    Then no exchange had more orders in flight than its concurrency limit

  @PRE-7 @owner-sre @owner-risk @live_gate @paper_nightly
  Scenario: A live order without a client order id is refused
    Given the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP
    When a live order without a client order id is sent
    Then the order is refused before any exchange is contacted

  @PRE-7 @owner-sre @owner-risk @live_gate @paper_nightly
  Scenario: An exchange disabled in the lifecycle is never used
    Given the routes the bot will use for its live symbol, each exchange a stateful fake over HTTP
    And the primary exchange is disabled in the exchange lifecycle
    When a live order is sent
    Then the disabled exchange received nothing
    And the backup exchange fills the order
