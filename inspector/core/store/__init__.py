"""The event store: SQLite schema and migrations, the filter language, the group-commit writer."""
