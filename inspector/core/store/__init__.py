"""The event store: SQLite schema and migrations, the row columns, the filter language, the
group-commit writer, and the paged live view of the history a table shows."""
