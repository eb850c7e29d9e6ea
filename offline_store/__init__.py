"""pickwise: offline_store."""
