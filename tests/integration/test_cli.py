"""The `laurels` command, run as a user runs it: a subprocess, JSON on stdout."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2

from laurels.kit.db import Database


def laurels(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LAURELS_DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "laurels", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


def test_org_brand_and_keys(database_url: str, db: Database) -> None:
    org = as_json(laurels(database_url, "org", "create", "--name", "Acme", "--timezone", "Europe/London"))
    assert org["timezone"] == "Europe/London"
    assert org["apiKey"].startswith(org["keyId"] + ".")
    assert "admin" in org["scopes"]

    child = as_json(laurels(database_url, "org", "create", "--name", "Acme DE", "--parent", org["orgId"]))
    assert child["parentOrgId"] == org["orgId"]

    brand = as_json(laurels(database_url, "brand", "create", "--org", org["orgId"], "--name", "Acme Coffee"))
    assert isinstance(brand["brandId"], int)
    duplicate = laurels(database_url, "brand", "create", "--org", org["orgId"], "--name", "Acme Coffee", check=False)
    assert duplicate.returncode != 0
    assert "already exists" in duplicate.stderr
    assert duplicate.stdout == ""

    key = as_json(
        laurels(
            database_url, "apikey", "create", "--org", org["orgId"], "--scope", "rewards:read", "--scope", "groups:read"
        )
    )
    assert key["scopes"] == ["groups:read", "rewards:read"]
    revoked = as_json(laurels(database_url, "apikey", "revoke", key["keyId"]))
    assert revoked["keyId"] == key["keyId"]
    assert revoked["revokedAt"].endswith("Z")


def test_cli_failures_exit_non_zero_with_a_message(database_url: str) -> None:
    for args in (
        ("org", "create", "--name", "X", "--timezone", "Mars/Olympus"),
        ("org", "create", "--name", "X", "--parent", "no-such-org"),
        ("brand", "create", "--org", "no-such-org", "--name", "B"),
        ("apikey", "create", "--org", "no-such-org"),
        ("apikey", "revoke", "lk_nope"),
    ):
        result = laurels(database_url, *args, check=False)
        assert result.returncode != 0, args
        assert result.stderr.startswith("laurels: "), (args, result.stderr)
    org = as_json(laurels(database_url, "org", "create", "--name", "Y"))
    bad_scope = laurels(database_url, "apikey", "create", "--org", org["orgId"], "--scope", "everything", check=False)
    assert bad_scope.returncode != 0
    assert "unknown scope" in bad_scope.stderr


def test_db_upgrade(database_url: str) -> None:
    assert as_json(laurels(database_url, "db", "upgrade"))["revision"] is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_creates_and_migrates_a_fresh_sqlite_file(tmp_path: Path) -> None:
    """The README's first command, end to end: a new machine, an empty directory."""
    url = f"sqlite:///{tmp_path / 'laurels.db'}"
    port = _free_port()
    env = {**os.environ, "LAURELS_DATABASE_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "laurels", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx2.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            time.sleep(0.2)
        assert (tmp_path / "laurels.db").exists()
        org = as_json(laurels(url, "org", "create", "--name", "Newcomer"))
        headers = {"Authorization": f"Bearer {org['apiKey']}"}
        body = {"name": "Welcome", "rewardType": "points", "config": {"amount": 10}}
        created = httpx2.post(f"{base}/v1/rewards", json=body, headers=headers)
        assert created.status_code == 201, created.text
        listed = httpx2.get(f"{base}/loyalty/v1/rewards", headers=headers).json()
        assert listed["data"]["count"] == 1
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}" in stderr
    assert "laurels org create" in stderr
