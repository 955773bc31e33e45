"""Pure domain helpers (no Flask, no database): calendar, USCC, code lists."""
