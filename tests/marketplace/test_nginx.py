"""The shipped reverse-proxy file, ``deploy/nginx.conf``, tested as it is: Debian's nginx (installed
by bin/test beside chromium; nothing is installed here) runs it as the current user from a
temporary prefix on a free port, in front of two daphne processes on PostgreSQL and Redis. Through
it: a page with its login form (CSRF, the session shared by both processes), the API, an auction
websocket, static files, a body over the limit, the client's address for the login rate limit, and
one daphne going down. Only the lines the file marks "site:" are replaced (ports, the static folder)."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests import factories
from tests.auctions import factories as af
from tests.auctions.daphne import ROOT, Daphne, free_port
from tests.auctions.live import run
from tests.factories import PASSWORD

pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]

CONF = ROOT / "deploy" / "nginx.conf"
NGINX = os.environ.get("NGINX_PATH") or shutil.which("nginx") or "/usr/sbin/nginx"
SITE_LINES = {  # what the file says → what the test serves
    "listen 80;": "listen 127.0.0.1:{port};",
    "server 127.0.0.1:8001 ": "server 127.0.0.1:{first} ",
    "server 127.0.0.1:8002 ": "server 127.0.0.1:{second} ",
    "alias /srv/marketplace/staticfiles/;": "alias {static}/;",
}


def _site_config(port: int, first: int, second: int) -> str:
    text = CONF.read_text()
    values = {"port": port, "first": first, "second": second, "static": ROOT / "static"}
    for line, replacement in SITE_LINES.items():
        assert line in text, f"deploy/nginx.conf no longer has the site line {line!r} this test replaces"
        text = text.replace(line, replacement.format(**values))
    return text


def _main_config(prefix: Path, site: Path) -> str:
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""  # else nginx runs as us anyway
    temp = " ".join(
        f"{kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {prefix / "access.log"};
    {temp}
    include {site};
}}
"""


@pytest.fixture
def proxy(tmp_path, settings):
    if not Path(NGINX).exists():
        pytest.fail(f"{NGINX} is missing: install Debian's nginx-light (bin/test does it as root).")
    env = {"CHANNEL_PREFIX": f"ngx-{uuid.uuid4().hex[:8]}", "CACHE_PREFIX": f"ngx-{uuid.uuid4().hex[:8]}"}
    servers = [Daphne(env=env, log=tmp_path / f"daphne-{i}.log") for i in range(2)]
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = free_port()
    site = prefix / "marketplace.conf"
    site.write_text(_site_config(port, servers[0].port, servers[1].port))
    main = prefix / "nginx.conf"
    main.write_text(_main_config(prefix, site))
    process = None
    try:
        for server in servers:
            server.start()
        process = subprocess.Popen(
            [NGINX, "-p", str(prefix), "-c", str(main), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=open(prefix / "stderr.log", "wb"),
        )
        _wait_for(port, process, prefix)
        yield {"url": f"http://127.0.0.1:{port}", "port": port, "servers": servers}
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
        for server in servers:
            server.kill()


def _wait_for(port: int, process: subprocess.Popen, prefix: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("nginx exited: " + (prefix / "stderr.log").read_text())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nginx did not start")


def _password_daphne_knows(user) -> None:
    """The tests hash with MD5 (fast); a daphne process knows only the production hashers."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])


def _login(url: str, email: str, password: str, forwarded_for: str | None = None) -> requests.Session:
    session = requests.Session()
    if forwarded_for:
        session.headers["X-Forwarded-For"] = forwarded_for
    form = session.get(f"{url}/accounts/login/", timeout=10)
    assert form.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = session.post(
        f"{url}/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code in (200, 302), answer.text[:500]
    return session


def _logged_in(session: requests.Session, url: str) -> bool:
    return session.get(f"{url}/inbox/", allow_redirects=False, timeout=10).status_code == 200


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_nginx_in_front_of_two_daphnes_serves_pages_the_api_and_websockets(
    proxy, buyer, alice, supplier, sam, supplier2
):
    url = proxy["url"]
    _password_daphne_knows(alice)

    # A page: the login form's CSRF check holds through the proxy, and the session works on
    # whichever daphne the next requests reach (round robin).
    session = _login(url, "alice@acme.test", PASSWORD)
    assert all(_logged_in(session, url) for _ in range(4))

    # The API.
    _key, raw = factories.api_key_for(supplier)
    me = requests.get(f"{url}/api/v1/me/", headers={"Authorization": f"Bearer {raw}"}, timeout=10)
    assert me.status_code == 200 and me.json()["organization"]["slug"] == supplier.slug

    # A websocket, upgraded through the proxy, with the session the page login made.
    auction = af.auction(buyer, alice, [supplier, supplier2], state="live")
    cookie = f"sessionid={session.cookies['sessionid']}"

    async def snapshot():
        from websockets.asyncio.client import connect

        async with connect(
            f"ws://127.0.0.1:{proxy['port']}/ws/auctions/{auction.pk}/",
            origin=url,
            additional_headers=[("Cookie", cookie)],
            open_timeout=15,
        ) as ws:
            async with asyncio.timeout(10):
                return json.loads(await ws.recv())

    frame = run(snapshot)
    assert frame["type"] == "snapshot" and frame["auction"]["id"] == auction.pk

    # Static files from the folder, with the cache header the file sets.
    css = requests.get(f"{url}/static/css/site.css", timeout=10)
    assert css.status_code == 200 and "max-age=86400" in css.headers["Cache-Control"]
    assert css.headers["Content-Type"].startswith("text/css")

    # A body over the limit never reaches daphne: the API's answer is JSON even from nginx.
    answer = _raw(
        proxy["port"],
        b"POST /api/v1/price-lists/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
        b"Content-Length: 60000000\r\nConnection: close\r\n\r\n",
    )
    head, _sep, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413") and json.loads(body)["detail"]

    # One daphne goes down: the other answers every request.
    proxy["servers"][0].kill()
    assert all(requests.get(f"{url}/accounts/login/", timeout=10).status_code == 200 for _ in range(4))


def test_the_login_rate_limit_keys_on_the_client_behind_the_proxy(proxy, alice):
    """Ten bad logins from one client lock that client out, not everyone behind the proxy."""
    url = proxy["url"]
    _password_daphne_knows(alice)
    for i in range(10):
        _login(url, f"nobody{i}@acme.test", "wrong", forwarded_for="198.51.100.1")
    assert not _logged_in(_login(url, "alice@acme.test", PASSWORD, forwarded_for="198.51.100.1"), url)
    assert _logged_in(_login(url, "alice@acme.test", PASSWORD, forwarded_for="198.51.100.2"), url)
