"""Real daphne processes for the tests that need them (pytest-django's live server speaks no
websocket): started against the test database, on a free port of 127.0.0.1, killed at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str | None:
    """The test database as a DATABASE_URL another process can open (None for in-memory SQLite)."""
    config = connection.settings_dict
    if config["ENGINE"].endswith("postgresql"):
        user = config.get("USER") or "postgres"
        password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
        host = config.get("HOST") or "127.0.0.1"
        port = config.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{config['NAME']}"
    name = str(config["NAME"])
    if "memory" in name or name == ":memory:":
        return None
    return f"sqlite:///{name}"


class Daphne:
    def __init__(self, *, port: int | None = None, env: dict | None = None, log: Path | None = None):
        self.port = port or free_port()
        self.env = env or {}
        self.process: subprocess.Popen | None = None
        self.log = log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Daphne:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "DATABASE_URL": database_url() or "",
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "1",  # static files from the finders, as in development
            "LOG_LEVEL": "WARNING",
            **self.env,
        }
        if not settings.REDIS_URL:
            env.pop("REDIS_URL", None)
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "marketplace.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/accounts/login/", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("daphne did not start in time")

    def kill(self) -> None:
        """As a crash would: no goodbye to any socket."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def memory_mb(self) -> float:
        if self.process is None:
            return 0.0
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0
