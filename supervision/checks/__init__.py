"""Cross-checks (spec §6 P/X/D/S/T rules): pure rule functions and the engine that runs them."""
