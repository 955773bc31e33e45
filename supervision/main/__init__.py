"""Home page, language switch, health check, error pages and template helpers."""
