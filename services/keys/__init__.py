"""The key custodian: the one process that holds the key-encryption key and writes the CASE_KEYS
bucket. Services ask it for data keys over request/reply; every destruction is a signed event."""
