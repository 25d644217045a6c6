{
  "algorithm": "HMAC-SHA256",
  "key_id": "corpus-stage6",
  "value": "jqytpUZdRdB5DpAn407kG1u0JJsQuIaZFodJ+50IZmI="
}
