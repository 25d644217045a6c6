{
  "payload": {
    "checklist_id": "corpus-binance-2026q4",
    "environment": "binance_live",
    "signed_by": [
      "compliance",
      "risk",
      "security"
    ],
    "signed_at": "2026-11-10T12:00:00Z"
  },
  "signature": {
    "algorithm": "HMAC-SHA256",
    "value": "VfGdV3qEPLq15DnGF6S9iR6InnnaKB0O8EjrMOOfP1c=",
    "key_id": "corpus-compliance"
  }
}