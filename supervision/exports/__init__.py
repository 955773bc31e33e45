"""Export archive (spec §9): generated summary workbooks, feedback sheets, CSV and JSON with SHA-256."""
