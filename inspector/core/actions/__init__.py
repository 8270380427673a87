"""What a developer does with stored events: forward, replay, answer by rule, compare."""
