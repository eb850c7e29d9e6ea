"""pickwise: bench."""
