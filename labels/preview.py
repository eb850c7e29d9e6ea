"""Preview images of a label, drawn with python-barcode (and Pillow for PNG).

The PNG is the whole label at printer resolution (203 dpi), so the bench can
show and save what the printer prints; the SVG is the GS1-128 symbol with its
human-readable line, for documents and reprint checks.
"""

from __future__ import annotations

import io
from importlib import resources
from typing import Any

from barcode import Gs1_128
from barcode.writer import ImageWriter, SVGWriter
from PIL import Image, ImageDraw, ImageFont

from labels.sscc import human_readable, verify_sscc
from labels.zpl import LabelData

DPI = 203
WIDTH, HEIGHT = 812, 1218  # 4 by 6 inches
MODULE_MM = 4 * 25.4 / DPI  # four printer dots, as the ZPL label's ^BY4


def _symbol(sscc: str, writer: Any, *, text: bool) -> Any:
    # python-barcode's GS1-128 puts FNC1 first; the data is AI 00 and the SSCC.
    code = Gs1_128("00" + verify_sscc(sscc), writer=writer)
    return code.render(
        {
            "module_width": MODULE_MM,
            "module_height": 37.5,
            "quiet_zone": 10 * MODULE_MM,
            "write_text": text,
            "font_size": 12,
            "text_distance": 4,
            "dpi": DPI,
        },
        text=human_readable(sscc) if text else None,
    )


def barcode_svg(sscc: str) -> bytes:
    """The SSCC's GS1-128 symbol as SVG, with its human-readable line."""
    svg: bytes = _symbol(sscc, SVGWriter(), text=True)
    return svg


def barcode_png(sscc: str) -> bytes:
    """The SSCC's GS1-128 symbol alone, as PNG."""
    image: Image.Image = _symbol(sscc, ImageWriter(format="PNG", dpi=DPI), text=False)
    return _png(image)


def label_png(data: LabelData) -> bytes:
    """The whole label as PNG, laid out as the ZPL template lays it out."""
    canvas = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(canvas)

    def text(x: int, y: int, size: int, value: str) -> None:
        draw.text((x, y), value, font=_font(size), fill=0)

    text(40, 30, 26, "FROM")
    text(40, 66, 24, data.ship_from[:48])
    draw.rectangle((0, 110, WIDTH, 112), fill=0)
    text(40, 126, 26, "SHIP TO")
    for row, value in enumerate(data.ship_to[:5]):
        text(40, 162 + row * 52, 46, value[:32])
    draw.rectangle((0, 430, WIDTH, 432), fill=0)
    text(40, 446, 26, "ORDER")
    text(40, 480, 56, data.order_id[:16])
    text(430, 446, 26, "CARTON")
    items = f"{data.items} items" if data.items is not None else ""
    text(430, 480, 36, " ".join(v for v in (data.carton, items) if v)[:22])
    text(430, 524, 36, f"{data.weight_kg} kg" if data.weight_kg else "")
    draw.rectangle((0, 580, WIDTH, 582), fill=0)
    text(40, 596, 26, "SSCC")
    text(40, 630, 48, human_readable(data.sscc))
    symbol = _symbol(data.sscc, ImageWriter(format="PNG", dpi=DPI), text=False)
    canvas.paste(symbol.convert("L"), (30, 690))
    text(40, 1030, 40, human_readable(data.sscc))
    if data.job_id:
        text(40, 1160, 22, f"job {data.job_id}")
    if data.reprint:
        text(560, 1150, 36, "REPRINT")
    return _png(canvas)


def _font(size: int) -> Any:
    path = resources.files("barcode").joinpath("fonts/DejaVuSansMono.ttf")
    with resources.as_file(path) as font:
        return ImageFont.truetype(str(font), size)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(DPI, DPI))
    return out.getvalue()
