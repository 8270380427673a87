"""The events table: its model over the store, the filter bar, the verdict badges."""
