"""Files in and out: NDJSON/HAR/cURL export, import, test fixtures, atomic writes."""
