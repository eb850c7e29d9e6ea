"""Errors of the offline store.

OfflineStoreError
├── StoreSettingsError   the file cannot hold what we promise
├── DiskFullError        the device has no room for the write
├── StoreDamagedError    the file fails its integrity check
├── SyncBusyError        another worker already delivers this outbox
└── ServiceError         the stock service could not be asked
    ├── Unreachable      no answer: network down, timeout, 5xx, 429
    └── Refused          an answer that says no (wrong PIN, not enrolled)
"""

from __future__ import annotations


class OfflineStoreError(Exception):
    """Base of every error the offline store raises on purpose."""


class StoreSettingsError(OfflineStoreError):
    """The database does not run with WAL and synchronous=FULL."""


class DiskFullError(OfflineStoreError):
    """The write did not fit on the device; nothing was changed."""


class StoreDamagedError(OfflineStoreError):
    """The database file failed its integrity check."""


class SyncBusyError(OfflineStoreError):
    """Another sync worker holds this device's outbox."""


class ServiceError(OfflineStoreError):
    """The stock service could not be asked, or said no."""


class Unreachable(ServiceError):
    """The stock service did not answer (network, timeout, server error)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Refused(ServiceError):
    """The stock service answered with a refusal a person should read."""

    def __init__(self, type_: str, detail: str) -> None:
        super().__init__(detail)
        self.type = type_
        self.detail = detail
