"""The pick screen shows the whole instruction on a handheld and on a bench."""

from __future__ import annotations

import pytest
from textual.widgets import Digits, Static

from terminal.device import Device
from tests.test_terminal_picking import open_wave, running


@pytest.mark.parametrize("size", [(40, 16), (80, 24), (120, 40)])
async def test_pick_screen_shows_the_current_instruction_in_full(
    device: Device, size: tuple[int, int]
) -> None:
    async with running(device, size=size) as (app, pilot):
        screen = await open_wave(app, pilot)
        task = screen.flow.task
        assert task is not None
        width, height = size

        for name in ("#prompt", "#where", "#product", "#progress", "#next"):
            widget = screen.query_one(name, Static)
            text = str(widget.render())
            region = widget.region
            assert region.bottom <= height and region.right <= width, name
            assert region.height >= 1 and len(text) <= region.width, (name, text)

        big = screen.query_one(Digits)
        assert big.value == task.location
        assert big.region.height == 3 and big.region.bottom <= height
        assert big.region.width >= 3 * len(task.location)
        assert f"AISLE {task.location[:2]}" in str(screen.query_one("#where").render())
