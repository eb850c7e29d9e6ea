"""pickwise: routing — warehouse geometry to the order in which to visit locations.

    layout = demo_layout()
    route = plan_route(layout, ["03-14-2", "01-02-1"])
    route.stops, route.length_m

The package imports nothing from the terminal, the service or a database.
"""

from routing.distance import walked_m
from routing.errors import (
    LayoutError,
    RouteRequestError,
    RoutingError,
    UnknownLocationError,
)
from routing.layout import (
    Depot,
    Layout,
    Point,
    demo_layout,
    grid_layout,
    layout_from_dict,
    load_layout,
)
from routing.planner import METHODS, Route, plan_route

__all__ = [
    "METHODS",
    "Depot",
    "Layout",
    "LayoutError",
    "Point",
    "Route",
    "RouteRequestError",
    "RoutingError",
    "UnknownLocationError",
    "demo_layout",
    "grid_layout",
    "layout_from_dict",
    "load_layout",
    "plan_route",
    "walked_m",
]
