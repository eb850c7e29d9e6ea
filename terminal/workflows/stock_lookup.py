"""Looking up stock: scan a location or a product, see what the stock record
holds now, straight from the service."""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.barcode import Reading
from offline_store.client import ServiceClient
from offline_store.errors import Refused, Unreachable
from offline_store.master import MasterData
from terminal.workflows.picking import sku_of
from wire import StockRow


@dataclass(frozen=True)
class StockAnswer:
    """What the record holds for one scan, or why it cannot say."""

    ok: bool
    message: str
    rows: list[StockRow] = field(default_factory=list)


class StockLookup:
    """On-hand stock by location or product, as the service has it now."""

    def __init__(self, client: ServiceClient, master: MasterData) -> None:
        self.client = client
        self.master = master

    async def look(self, reading: Reading) -> StockAnswer:
        """Stock at a scanned location, or of a scanned product everywhere."""
        if reading.kind == "error":
            return StockAnswer(False, reading.message or "That scan cannot be read.")
        if reading.kind == "location" and reading.code:
            if self.master.location(reading.code) is None:
                return StockAnswer(False, f"No location {reading.code} here.")
            where, query = reading.code, {"location": reading.code}
        else:
            sku = sku_of(self.master, reading)
            if sku is None:
                return StockAnswer(
                    False, "Unknown barcode: scan a location or a product."
                )
            where, query = sku, {"product": sku}
        try:
            rows = await self.client.stock(**query)
        except Unreachable:
            return StockAnswer(
                False, "The stock service cannot be reached: try again later."
            )
        except Refused as exc:
            return StockAnswer(False, exc.detail)
        if not rows:
            return StockAnswer(True, f"Nothing on record for {where}.")
        total = sum(row.quantity for row in rows)
        return StockAnswer(True, f"{where}: {total} on hand.", rows)
