{
  "algorithm": "HMAC-SHA256",
  "key_id": "corpus-stage6",
  "value": "te81Yh/ogwEHa+ACyJcHYTXcYJnjxhfEftnMb4IqfvQ="
}
