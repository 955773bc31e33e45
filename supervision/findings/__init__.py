"""Supervisory findings (spec §6 severity "finding"), their workflow and referrals (§1.4)."""
