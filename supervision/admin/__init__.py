"""Administration pages: agencies, institutions, users, sharing agreements, audit log."""
