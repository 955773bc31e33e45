"""The demo world: reference data, real institution names with generated USCCs, users, periods."""
