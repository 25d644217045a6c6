{
  "payload": {
    "document": {
      "name": "risk_profile_alignment",
      "path": "../../live_documents/good/risk_profile_alignment.pdf",
      "sha256": "6b4a026ba65ae0d392489b485e17381b817dc537217c9b1e5dc8992d337dbea0",
      "signed_by": [
        "risk"
      ],
      "signed_at": "2026-11-10T12:00:00Z"
    },
    "hashes": {
      "sha256": "6b4a026ba65ae0d392489b485e17381b817dc537217c9b1e5dc8992d337dbea0"
    },
    "generated_at": "2026-11-10T12:00:00Z"
  },
  "signature": {
    "algorithm": "HMAC-SHA256",
    "value": "yy8rvFbc9z2Mqa1TBoDKI8HclC4NgbI4kdBfloIsYtM=",
    "key_id": "corpus-risk"
  }
}