Feature: PRE-4 OEM licence valid for live trading
  Protects: no live trading without a genuine, current, unrevoked licence issued by an allowed
  issuer for a live profile, bound to this machine's fingerprint.
  Impact: blocker. Accepted by: Security.
  References: PAPER_TO_LIVE_RUNBOOK.md §1 (Licencje); FORMATS.md §1.4, §3.1.

  @PRE-4 @owner-security @live_gate
  Scenario: The OEM licence allows live trading
    Given the environment under judgement
    Then the OEM licence is genuine, current, not revoked, and covers live trading
