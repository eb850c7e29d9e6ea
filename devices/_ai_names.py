"""Field names for GS1 application identifiers, in snake case.

The names a picker's tools use for the common AIs; any other AI is named after its
description in the GS1 table (see `field_name`).
"""

from __future__ import annotations

import re
from functools import lru_cache

_NAMES = {
    "00": "sscc",
    "01": "gtin",
    "02": "content_gtin",
    "10": "lot",
    "11": "production_date",
    "12": "due_date",
    "13": "packaging_date",
    "15": "best_before",
    "16": "sell_by",
    "17": "expiry",
    "20": "variant",
    "21": "serial",
    "22": "consumer_product_variant",
    "30": "variable_count",
    "37": "count",
    "240": "additional_product_id",
    "241": "customer_part_number",
    "242": "made_to_order_variation",
    "250": "secondary_serial",
    "400": "order_number",
    "401": "consignment_number",
    "402": "shipment_number",
    "403": "routing_code",
    "410": "ship_to_gln",
    "411": "bill_to_gln",
    "412": "purchased_from_gln",
    "413": "ship_for_gln",
    "414": "location_gln",
    "415": "invoicing_party_gln",
    "420": "ship_to_postal_code",
    "422": "origin_country",
    "7003": "expiry_time",
    "8003": "grai",
    "8004": "giai",
    "8020": "payment_slip_reference",
}

# Trade and logistic measures: the first three digits name the quantity, the fourth
# gives the position of the decimal point.
_MEASURES = {
    "310": "net_weight_kg",
    "311": "length_m",
    "312": "width_m",
    "313": "depth_m",
    "314": "area_m2",
    "315": "net_volume_l",
    "316": "net_volume_m3",
    "320": "net_weight_lb",
    "330": "gross_weight_kg",
    "331": "logistic_length_m",
    "332": "logistic_width_m",
    "333": "logistic_depth_m",
    "334": "logistic_area_m2",
    "335": "logistic_volume_l",
    "336": "logistic_volume_m3",
    "340": "gross_weight_lb",
}


@lru_cache(maxsize=1024)
def field_name(ai: str, description: str) -> str:
    """The snake-case field name of an AI, e.g. ``241`` → ``customer_part_number``."""
    if ai in _NAMES:
        return _NAMES[ai]
    if len(ai) == 4 and ai[:3] in _MEASURES:
        return _MEASURES[ai[:3]]
    words = re.sub(r"\([^)]*\)", " ", description).lower()
    return "_".join(re.findall(r"[a-z0-9]+", words)) or f"ai_{ai}"
