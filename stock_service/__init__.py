"""pickwise: stock_service."""
