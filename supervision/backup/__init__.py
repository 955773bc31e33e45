"""Consistent backups of the database and every stored file, and their verified restore."""
