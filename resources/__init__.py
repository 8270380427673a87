"""Icons, desktop entry and sample payloads (installed as inspector.resources)."""
