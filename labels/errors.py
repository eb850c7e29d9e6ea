"""The exceptions of the labels package, in one small tree.

    LabelError
    ├── SSCCError               not an SSCC: length, digits or check digit
    └── PrinterError            the label did not reach the printer
        ├── PrinterUnavailable  no connection, refused, reset or timed out before
        │                       the label was sent; nothing printed, retry is safe
        ├── PrinterFault        the printer says it cannot print (paper out, head
        │                       open, paused); the label was not sent
        └── PrintUncertain      the label was sent but the printer did not confirm
                                it; a retry could print it twice

``OSError`` from sockets and files is translated into these at the package
edge, with the original chained as the cause.
"""

from __future__ import annotations


class LabelError(Exception):
    """Base of every error raised by the labels package."""


class SSCCError(LabelError):
    """A number that is not a valid SSCC; the message says what is wrong."""

    def __init__(self, message: str, *, expected: int | None = None) -> None:
        super().__init__(message)
        self.expected = expected


class PrinterError(LabelError):
    """The label did not reach the printer."""


class PrinterUnavailable(PrinterError):
    """Nothing was printed: the printer could not be reached or written to."""


class PrinterFault(PrinterError):
    """The printer answered that it cannot print now; the label was not sent."""


class PrintUncertain(PrinterError):
    """The label's bytes went out, but the printer never confirmed them."""
