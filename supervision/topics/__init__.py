"""Emerging complaint topics (spec §10.2): segmentation of summaries, topic counts per version, rule K01."""
