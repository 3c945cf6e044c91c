"""The national guide's indicators (§6.6): cards collected and used, uses by scene, by region,
institution, channel and day, from a daily roll-up kept as usage is recorded; CSV/XLSX export."""
