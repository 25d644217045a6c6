{
  "payload": {
    "document": {
      "name": "kyc_packet",
      "path": "../../live_documents/bad_payload_digest_mismatch/kyc_packet.pdf",
      "sha256": "abababababababababababababababababababababababababababababababab",
      "signed_by": [
        "compliance"
      ],
      "signed_at": "2026-11-10T12:00:00Z"
    },
    "hashes": {
      "sha256": "abababababababababababababababababababababababababababababababab"
    },
    "generated_at": "2026-11-10T12:00:00Z"
  },
  "signature": {
    "algorithm": "HMAC-SHA256",
    "value": "hBvd+oSy8Ny9dJRYW1WwbJ+BScmhufbDt3e/YzqukKU=",
    "key_id": "corpus-compliance"
  }
}