"""``pickwise enroll`` gives a device the token its terminal needs."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from pickwise.cli import main
from stock_service import schema
from stock_service.app import create_app
from stock_service.auth import token_hash
from stock_service.db import make_engine
from wire import API, DEVICE_HEADER


async def answers(db: Path, token: str) -> int:
    engine = make_engine(f"sqlite:///{db}")
    transport = httpx.ASGITransport(app=create_app(engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://s") as http:
        status = (
            await http.get(f"{API}/stock", headers={DEVICE_HEADER: token})
        ).status_code
    engine.dispose()
    return status


async def test_an_enrolled_device_is_let_in_and_a_new_token_locks_out_the_old(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, token_file = tmp_path / "stock.db", tmp_path / "etc" / "device.token"
    url = f"sqlite:///{db}"

    assert main(["enroll", "hh-07", "--db", url, "--token-file", str(token_file)]) == 0
    first = token_file.read_text().strip()
    assert main(["enroll", "hh-07", "--db", url]) == 0
    out = capsys.readouterr()
    second = out.out.strip()

    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert "given a new token" in out.err
    assert await answers(db, second) == 200
    assert await answers(db, first) == 401


def test_a_device_id_that_cannot_be_used_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["enroll", "hh\x1b07", "--db", f"sqlite:///{tmp_path / 's.db'}"])
    assert code == 2
    assert "printable" in capsys.readouterr().err


def test_an_existing_token_file_is_made_owner_only_and_a_bad_path_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'stock.db'}"
    loose = tmp_path / "device.token"
    loose.write_text("old\n")
    loose.chmod(0o644)
    (tmp_path / "a-file").write_text("")

    assert main(["enroll", "hh-07", "--db", url, "--token-file", str(loose)]) == 0
    token = loose.read_text().strip()
    bad = main(["enroll", "hh-07", "--db", url, "--token-file", f"{tmp_path}/a-file/x"])

    assert stat.S_IMODE(loose.stat().st_mode) == 0o600 and token != "old"
    assert bad == 2 and "cannot write" in capsys.readouterr().err
    engine = make_engine(url)
    with engine.connect() as conn:
        (stored,) = conn.execute(select(schema.devices.c.token_hash)).scalars()
    engine.dispose()
    assert stored == token_hash(token)  # the token in the file still works
