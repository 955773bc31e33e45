"""League tables (spec §8): inputs from stored figures, drafts, published snapshots, pages and CLI."""
