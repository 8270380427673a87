"""Local emulator of the provider API that really delivers events (no Qt)."""
