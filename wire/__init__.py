"""pickwise: wire."""
