{
  "algorithm": "HMAC-SHA256",
  "key_id": "corpus-stage6",
  "value": "adNQMQS16uv36YG5ey7YvDUDUQjt6AGRtNl5K9e9I3M="
}
