"""Pure computation and workbook writing for the platform: no Flask, no database session."""
