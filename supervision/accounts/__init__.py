"""Users, roles, login/logout, password changes and session invalidation (spec §1.3)."""
