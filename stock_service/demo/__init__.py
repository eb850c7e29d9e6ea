"""The demo warehouse, built from real order lines (see ATTRIBUTION.md)."""
