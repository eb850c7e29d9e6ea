"""The routing package's exceptions.

RoutingError
├── LayoutError           a layout file or layout definition is unusable
├── UnknownLocationError  a location code the layout cannot place
└── RouteRequestError     a route request the planner cannot honour
"""

from __future__ import annotations


class RoutingError(Exception):
    """Base of every error raised by the routing package."""


class LayoutError(RoutingError):
    """A layout file or layout definition is unusable."""


class UnknownLocationError(RoutingError, KeyError):
    """A location code that the layout cannot place."""

    def __init__(self, code: str, layout_name: str) -> None:
        super().__init__(code)
        self.code = code
        self.layout_name = layout_name

    def __str__(self) -> str:
        return f"unknown location {self.code!r} in layout {self.layout_name!r}"


class RouteRequestError(RoutingError, ValueError):
    """A route request the planner cannot honour, such as an unknown method."""
