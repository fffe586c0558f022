"""`make run` as a user meets it: the dev server process on SQLite with its own local S3
server, the demo city loaded, readiness green and a demo login working."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def dev_server(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FIELDSALES_")},
        "FIELDSALES_DEV_DATA_DIR": str(tmp_path / "var"),
        "FIELDSALES_PORT": str(port),
        "FIELDSALES_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "devserver.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fieldsales.devserver"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        else:
            pytest.fail((tmp_path / "devserver.log").read_text()[-3000:])
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert not s3_servers_using(tmp_path / "var" / "s3"), "the local S3 server was left running"


def s3_servers_using(data_dir: Path) -> list[int]:
    """PIDs of processes whose environment points S3_DATA_DIR at `data_dir` (Linux /proc)."""
    needle = f"S3_DATA_DIR={data_dir.resolve()}".encode()
    pids = []
    for proc_dir in Path("/proc").glob("[0-9]*"):
        try:
            if needle in (proc_dir / "environ").read_bytes().split(b"\0"):
                pids.append(int(proc_dir.name))
        except OSError:
            continue
    return pids


def test_make_run_serves_docs_and_demo_logins(dev_server):
    assert requests.get(f"{dev_server}/openapi.json", timeout=5).status_code == 200
    login = requests.post(
        f"{dev_server}/api/v1/auth/login",
        json={"username": "rep01", "password": "rep-demo-pass"},
        timeout=10,
    )
    assert login.status_code == 200
    token = login.json()["access_token"]
    stores = requests.get(
        f"{dev_server}/api/v1/stores", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert stores.status_code == 200 and len(stores.json()) > 0
