{
  "payload": {
    "document": {
      "name": "penetration_report",
      "path": "../../live_documents/good/penetration_report.pdf",
      "sha256": "f52bdbb88a43a923e86bbe0ac7df19895475c3613a85c847373128b58d2684c2",
      "signed_by": [
        "security"
      ],
      "signed_at": "2026-11-10T12:00:00Z"
    },
    "hashes": {
      "sha256": "f52bdbb88a43a923e86bbe0ac7df19895475c3613a85c847373128b58d2684c2"
    },
    "generated_at": "2026-11-10T12:00:00Z"
  },
  "signature": {
    "algorithm": "HMAC-SHA256",
    "value": "jUXXBlxya2kn+rTJ6/mmjw7jLxCU5G4Lz69qLeWWxMU=",
    "key_id": "corpus-security"
  }
}