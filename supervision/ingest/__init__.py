"""Filing ingest: guards, reading, value conversion, validation (pure cores) and the pipeline."""
