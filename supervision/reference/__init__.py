"""Reference data: the code lists of spec §4.5/§5/§7 loaded into the database."""
