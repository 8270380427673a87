"""The detail panes of one delivery: summary, JSON tree and text, headers, raw bytes, results."""
