{
  "payload": {
    "document": {
      "name": "kyc_packet",
      "path": "../../live_documents/good/kyc_packet.pdf",
      "sha256": "d1c6fb631bcd3cb61e93cf890fa39214fea6665c9ebd8d81e07e778a6be3b897",
      "signed_by": [
        "compliance"
      ],
      "signed_at": "2026-11-10T12:00:00Z"
    },
    "hashes": {
      "sha256": "d1c6fb631bcd3cb61e93cf890fa39214fea6665c9ebd8d81e07e778a6be3b897"
    },
    "generated_at": "2026-11-10T12:00:00Z"
  },
  "signature": {
    "algorithm": "HMAC-SHA256",
    "value": "qAiyZXyhEVUs5KL8suHAIVZ7qF/zL8xipkZNikPBxLM=",
    "key_id": "corpus-compliance"
  }
}