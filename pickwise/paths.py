"""Where pickwise keeps its files on this machine."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def data_dir(override: str | None, *parts: str) -> Path:
    """``override`` if given, else ``parts`` under the user's pickwise data folder."""
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("pickwise")).joinpath(*parts)
