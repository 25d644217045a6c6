Feature: PRE-1 KYC/AML: signed compliance packets and current sign-offs
  Protects: no real-money trading without a live-ready compliance packet and a signed,
  current, verifiable set of KYC/AML, risk and penetration-test documents.
  Impact: blocker. Accepted by: Compliance and Security.
  References: PAPER_TO_LIVE_RUNBOOK.md §1 (KYC/AML); FORMATS.md §1.3, §1.9.

  @PRE-1 @owner-compliance @owner-security @live_gate
  Scenario: Entrypoints bound to the live environment are cleared for live trading
    Given the environment under judgement
    Then every runtime entrypoint bound to the environment carries a signed compliance packet that allows live trading, permits the environment's risk profile and has sign-offs

  @PRE-1 @owner-compliance @owner-security @live_gate
  Scenario: The live-readiness checklist is signed by the required roles and current
    Given the environment under judgement
    Then the live-readiness checklist is signed by the required roles within the policy's sign-off age

  @PRE-1 @owner-compliance @owner-security @live_gate
  Scenario: Every required compliance document is present, intact and signed
    Given the environment under judgement
    Then every required document exists inside the deployment, matches its SHA-256 digest and carries a current signature that verifies
