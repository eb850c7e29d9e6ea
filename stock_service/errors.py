"""Errors of the stock service."""

from __future__ import annotations


class StockServiceError(Exception):
    """Base of every error the stock service raises on purpose."""


class DatabaseSettingsError(StockServiceError):
    """The database does not hold the durability settings the ledger needs."""


class DemoDataError(StockServiceError):
    """The demo warehouse could not be built from the shipped order data."""
