"""pickwise: terminal."""
