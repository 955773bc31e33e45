"""Personal access tokens for the REST API (issue 13): hashed, scoped, expiring, revocable."""
