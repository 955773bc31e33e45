"""The append-only audit log: who did what to which object, with what result, when."""
