"""The vulnerable-consumer lens (spec §10, issue 15): complaints by customer group, rules G01 and G02."""
