"""The rule registry shared by validation and cross-checks (pure data, no Flask)."""
