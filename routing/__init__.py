"""pickwise: routing."""
