"""pickwise: devices."""
