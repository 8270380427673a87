"""The provider's API: client, profiles, the keyring, the index of known webhooks."""
