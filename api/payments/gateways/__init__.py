"""The money platforms at the edge: one narrow interface (``base``), one adapter per vendor."""
