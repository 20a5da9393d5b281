"""Live auction benchmark: two daphne processes on PostgreSQL and Redis, websocket clients on 127.0.0.1.

    python bench/auction_live.py [--scenarios abc] [--seconds-a 20] [--seconds-b 10] [--seconds-c 20]

Uses DATABASE_URL, or postgres://postgres@127.0.0.1:5432/marketplace_bench_auctions, which it
creates, migrates and empties; REDIS_URL, or redis://127.0.0.1:6379/0 (a channel prefix of its own).
For each scenario it prints accepted bids per second and p50/p99 *staleness*: the time from a bid's
send until every watcher has received a frame showing it (its ``bids_count``, or a later one), and
the floor: the bare locked bid transaction from psycopg without Django, at the same concurrency.

(a) a realistic close: 200 watchers + 20 bidders, 20 accepted bids/s for 20 s   target p99 <= 200 ms
(b) a flood on one lot: 40 bidders unpaced for 10 s, 200 watchers              target >= 500 bids/s,
    p99 <= 500 ms, every watcher on the final state, nothing lost or duplicated
(c) breadth: 50 auctions x 20 sockets (1,000 sockets), 2 bids/s in each         target p99 <= 250 ms;
    each daphne's memory

Every count and duration is bounded; clients connect only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/marketplace_bench_auctions"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
BIDS_COUNT = re.compile(r'"bids_count":(\d+)')
START = Decimal("1000000.00")
FANOUT = "    fan-out alone (bidder's receipt -> every watcher): p50 {fanout_p50:.0f} ms, p99 {fanout_p99:.0f} ms"


# -- set-up ----------------------------------------------------------------------------------------


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daphne:
    def __init__(self, env: dict):
        self.port = free_port()
        self.env = env
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Daphne:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "marketplace.asgi:application"],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:  # any HTTP answer means it serves (the API answers 401 without a key)
                with urllib.request.urlopen(self.url + "/api/v1/me/", timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self
            except OSError:
                time.sleep(0.3)
        raise SystemExit("daphne did not start")

    def memory_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def session_cookie(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"sessionid={store.session_key}"


@dataclass
class World:
    buyer: object
    buyer_user: object
    buyer_cookie: str
    suppliers: list  # index = supplier number
    supplier_cookies: list[str]


def build_world(n_suppliers: int) -> World:
    from marketplace import services as core
    from marketplace.models import Organization

    buyer = core.organization_create(name="Bench Buyer", kind="buyer", slug="bench-buyer")
    buyer_user = core.user_create_verified(email="buyer@bench.test")
    core.membership_set(organization=buyer, user=buyer_user, role="procurement")
    cookies = []
    suppliers = []
    for i in range(n_suppliers):
        supplier = core.organization_create(name=f"Bench Supplier {i:02d}", kind="supplier", slug=f"bench-s{i:02d}")
        user = core.user_create_verified(email=f"s{i:02d}@bench.test")
        core.membership_set(organization=supplier, user=user, role="owner")
        core.partnership_connect(buyer=buyer, supplier=supplier)
        suppliers.append(supplier)
        cookies.append(session_cookie(user))
    return World(
        buyer=buyer,
        buyer_user=buyer_user,
        buyer_cookie=session_cookie(buyer_user),
        suppliers=list(Organization.objects.filter(pk__in=[s.pk for s in suppliers]).order_by("slug")),
        supplier_cookies=cookies,
    )


def live_auction(world: World, suppliers, title: str) -> int:
    from django.utils import timezone

    from auctions import services
    from marketplace.actors import Actor

    actor = Actor.of_user(world.buyer_user, world.buyer)
    now = timezone.now()
    auction = services.auction_create(
        actor=actor,
        suppliers=list(suppliers),
        title=title,
        lot=title,
        quantity=Decimal("1"),
        unit="lot",
        currency="EUR",
        start_price=START,
        min_step=Decimal("0.01"),
        min_step_kind="amount",
        starts_at=now - dt.timedelta(seconds=1),
        ends_at=now + dt.timedelta(hours=2),
        soft_close_window_s=0,  # no extensions: the clock is not what is measured
        soft_close_extension_s=0,
        max_extensions=0,
        visibility="best_price",
    )
    services.auction_schedule(auction=auction, actor=actor)
    services.auction_open_due(now=timezone.now())
    return auction.pk


# -- clients ---------------------------------------------------------------------------------------


class Watcher:
    """A socket that records when each ``bids_count`` first reached it (the view it would show)."""

    def __init__(self, auction_id: int):
        self.auction_id = auction_id
        self.counts: list[int] = []
        self.times: list[float] = []
        self.results: dict[str, dict] = {}
        self.result_waiters: dict[str, asyncio.Future] = {}
        self.ws = None

    def seen(self, count: int, at: float) -> None:
        if not self.counts or count > self.counts[-1]:
            self.counts.append(count)
            self.times.append(at)

    def first_seen(self, count: int) -> float | None:
        index = bisect.bisect_left(self.counts, count)
        return self.times[index] if index < len(self.times) else None

    async def run(self, url: str, cookie: str, origin: str, ready: asyncio.Semaphore) -> None:
        from websockets.asyncio.client import connect

        async with ready:
            self.ws = await connect(
                url, origin=origin, additional_headers=[("Cookie", cookie)], compression=None, open_timeout=60
            )
        loop = asyncio.get_running_loop()
        try:
            async for message in self.ws:
                now = loop.time()
                if message.startswith('{"type":"bid_result"'):
                    frame = json.loads(message)
                    waiter = self.result_waiters.pop(frame.get("client_id"), None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(frame)
                    continue
                match = BIDS_COUNT.search(message)
                if match:
                    self.seen(int(match.group(1)), now)
        except Exception:
            pass

    async def bid(self, amount: str, client_id: str) -> dict:
        future = asyncio.get_running_loop().create_future()
        self.result_waiters[client_id] = future
        await self.ws.send(json.dumps({"type": "bid", "amount": amount, "client_id": client_id}))
        return await asyncio.wait_for(future, 30)


async def open_sockets(specs, servers) -> list[Watcher]:
    """``specs``: (auction id, cookie) per socket; spread over the servers in turn."""
    ready = asyncio.Semaphore(25)  # handshakes in flight (each reads the database)
    watchers, tasks = [], []
    for i, (auction_id, cookie) in enumerate(specs):
        server = servers[i % len(servers)]
        watcher = Watcher(auction_id)
        url = server.url.replace("http", "ws") + f"/ws/auctions/{auction_id}/"
        tasks.append(asyncio.ensure_future(watcher.run(url, cookie, server.url, ready)))
        watchers.append(watcher)
    deadline = time.monotonic() + 120
    while any(w.ws is None for w in watchers):
        if time.monotonic() > deadline:
            raise SystemExit("sockets did not open in time")
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)  # snapshots delivered
    watchers[0]._tasks = tasks  # type: ignore[attr-defined]
    return watchers


async def close_sockets(watchers) -> None:
    await asyncio.gather(*(w.ws.close() for w in watchers if w.ws is not None), return_exceptions=True)


@dataclass
class Sent:
    client_id: str
    auction_id: int
    at: float
    ok: bool | None = None
    answered_at: float | None = None


def ordinals(auction_ids) -> dict[str, int]:
    """client_id -> the auction's bids_count right after that bid (commit order = id order)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_id, ROW_NUMBER() OVER (PARTITION BY auction_id ORDER BY id)"
            " FROM auctions_bid WHERE auction_id = ANY(%s)",
            [list(auction_ids)],
        )
        return dict(cursor.fetchall())


def staleness(sent: list[Sent], watchers: list[Watcher]) -> tuple[list[float], int, list[float]]:
    """Per accepted bid: the latest of its watchers' first sight minus its send time (ms); also
    minus the moment the bidder got its receipt (the fan-out alone, after the bid's transaction)."""
    numbers = ordinals({s.auction_id for s in sent})
    by_auction: dict[int, list[Watcher]] = {}
    for watcher in watchers:
        by_auction.setdefault(watcher.auction_id, []).append(watcher)
    values, missing, fanout = [], 0, []
    for s in sent:
        n = numbers.get(s.client_id)
        if n is None:
            continue
        sights = [w.first_seen(n) for w in by_auction[s.auction_id]]
        if any(t is None for t in sights):
            missing += 1
            continue
        values.append((max(sights) - s.at) * 1000)
        if s.answered_at is not None:
            fanout.append(max(0.0, (max(sights) - s.answered_at) * 1000))
    return values, missing, fanout


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# -- the floor -------------------------------------------------------------------------------------


def floor(url: str, *, connections: int, seconds: float, rate: float | None = None) -> dict:
    """The bare locked bid transaction (lock the row, check the step, insert, update the best,
    commit) from psycopg, ``connections`` at once, paced at ``rate`` a second in all or unpaced."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor_auction (id int PRIMARY KEY, best numeric(16,2), bids int)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_floor_bid (id bigserial PRIMARY KEY, auction_id int,"
            " supplier int, amount numeric(16,2), received_at timestamptz)"
        )
        conn.execute("TRUNCATE bench_floor_bid")
        conn.execute("DELETE FROM bench_floor_auction")
        conn.execute("INSERT INTO bench_floor_auction VALUES (1, NULL, 0)")
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(index: int) -> None:
        own = START - index
        interval = connections / rate if rate else 0.0
        next_at = time.monotonic() + (index / rate if rate else 0.0)
        mine = []
        with psycopg.connect(url) as conn:
            while True:
                now = time.monotonic()
                if now >= stop_at:
                    break
                if interval and now < next_at:
                    time.sleep(next_at - now)
                    continue
                next_at += interval
                own -= 1
                t0 = time.perf_counter()
                with conn.transaction():
                    best = conn.execute("SELECT best FROM bench_floor_auction WHERE id = 1 FOR UPDATE").fetchone()[0]
                    if own > 0:
                        conn.execute(
                            "INSERT INTO bench_floor_bid (auction_id, supplier, amount, received_at)"
                            " VALUES (1, %s, %s, now())",
                            [index, own],
                        )
                        conn.execute(
                            "UPDATE bench_floor_auction SET best = LEAST(COALESCE(best, %s), %s), bids = bids + 1"
                            " WHERE id = 1",
                            [own, own],
                        )
                    del best
                mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spent = time.monotonic() - started
    return {"per_s": len(latencies) / spent, "p50": pct(latencies, 50), "p99": pct(latencies, 99)}


# -- scenarios -------------------------------------------------------------------------------------


async def scenario_paced(world, servers, *, auctions: list[int], specs, bidders, rate_each: float, seconds: float):
    """``bidders``: (auction id, supplier number) per bidding socket; each bids ``rate_each`` a second."""
    watchers = await open_sockets(specs, servers)
    bidder_sockets = await open_sockets([(a, world.supplier_cookies[s]) for a, s in bidders], servers)
    loop = asyncio.get_running_loop()
    sent: list[Sent] = []
    refused: dict[str, int] = {}

    async def bidder(index: int, sock: Watcher, supplier: int) -> None:
        amount = START - 1 - supplier
        next_at = loop.time() + index / (rate_each * len(bidder_sockets))  # spread evenly
        end = loop.time() + seconds
        k = 0
        while loop.time() < end:
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            next_at += 1 / rate_each
            k += 1
            client_id = f"p{sock.auction_id}-{supplier}-{k}-{uuid.uuid4().hex[:6]}"
            record = Sent(client_id, sock.auction_id, loop.time())
            sent.append(record)
            try:
                result = await sock.bid(f"{amount:.2f}", client_id)
            except Exception:
                record.ok = False
                refused["timeout"] = refused.get("timeout", 0) + 1
                continue
            record.ok, record.answered_at = result.get("ok", False), loop.time()
            if record.ok:
                amount -= 1
            else:
                code = result.get("code", "?")
                refused[code] = refused.get(code, 0) + 1

    started = loop.time()
    await asyncio.gather(
        *(bidder(i, sock, s) for i, (sock, (_a, s)) in enumerate(zip(bidder_sockets, bidders, strict=True)))
    )
    spent = loop.time() - started
    await asyncio.sleep(2)  # the last frames
    accepted = [s for s in sent if s.ok]
    values, missing, fanout = await asyncio.to_thread(staleness, accepted, watchers)
    await close_sockets(watchers + bidder_sockets)
    return {
        "fanout_p50": pct(fanout, 50),
        "fanout_p99": pct(fanout, 99),
        "accepted_per_s": len(accepted) / spent,
        "accepted": len(accepted),
        "refused": refused,
        "p50": pct(values, 50),
        "p99": pct(values, 99),
        "missing": missing,
        "sockets": len(watchers) + len(bidder_sockets),
    }


async def scenario_flood(world, servers, *, auction: int, specs, bidders: int, seconds: float):
    watchers = await open_sockets(specs, servers)
    bidder_sockets = await open_sockets([(auction, world.supplier_cookies[s]) for s in range(bidders)], servers)
    loop = asyncio.get_running_loop()
    sent: list[Sent] = []
    answers: dict[str, int] = {}
    codes: dict[str, int] = {}

    async def bidder(sock: Watcher, supplier: int) -> None:
        amount = START - 1 - supplier
        end = loop.time() + seconds
        k = 0
        while loop.time() < end:
            k += 1
            client_id = f"f{supplier}-{k}"
            record = Sent(client_id, auction, loop.time())
            sent.append(record)
            try:
                result = await sock.bid(f"{amount:.2f}", client_id)
            except Exception:
                codes["timeout"] = codes.get("timeout", 0) + 1
                continue
            answers[client_id] = answers.get(client_id, 0) + 1
            record.ok, record.answered_at = result.get("ok", False), loop.time()
            if record.ok:
                amount -= 1
            else:
                codes[result.get("code", "?")] = codes.get(result.get("code", "?"), 0) + 1

    started = loop.time()
    await asyncio.gather(*(bidder(sock, i) for i, sock in enumerate(bidder_sockets)))
    spent = loop.time() - started
    from auctions.models import Auction, Bid

    final = await asyncio.to_thread(lambda: Auction.objects.get(pk=auction).bids_count)
    deadline = loop.time() + 10
    while loop.time() < deadline and any((w.counts or [0])[-1] < final for w in watchers):
        await asyncio.sleep(0.1)
    on_final = sum(1 for w in watchers if (w.counts or [0])[-1] == final)
    accepted = [s for s in sent if s.ok]
    values, missing, fanout = await asyncio.to_thread(staleness, accepted, watchers)
    in_db = await asyncio.to_thread(lambda: Bid.objects.filter(auction_id=auction).count())
    await close_sockets(watchers + bidder_sockets)
    return {
        "fanout_p50": pct(fanout, 50),
        "fanout_p99": pct(fanout, 99),
        "accepted_per_s": len(accepted) / spent,
        "accepted": len(accepted),
        "attempts": len(sent),
        "refused": codes,
        "p50": pct(values, 50),
        "p99": pct(values, 99),
        "missing": missing,
        "on_final": on_final,
        "watchers": len(watchers),
        "final": final,
        "in_db": in_db,
        "answered_once": all(n == 1 for n in answers.values()) and len(answers) == len(sent) - codes.get("timeout", 0),
    }


def watchers_for(world, auction: int, n: int, suppliers: int) -> list[tuple[int, str]]:
    """``n`` watching sockets of one auction: a tenth the buyer's people, the rest its suppliers'."""
    specs = []
    for i in range(n):
        cookie = world.buyer_cookie if i % 10 == 0 else world.supplier_cookies[i % suppliers]
        specs.append((auction, cookie))
    return specs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="abc")
    parser.add_argument("--seconds-a", type=float, default=20)
    parser.add_argument("--seconds-b", type=float, default=10)
    parser.add_argument("--seconds-c", type=float, default=20)
    parser.add_argument("--watchers", type=int, default=200)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS)
    prefix = f"bench-{uuid.uuid4().hex[:6]}"
    os.environ.update(
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        CHANNEL_PREFIX=prefix,
        CACHE_PREFIX=prefix,
        DJANGO_SETTINGS_MODULE="marketplace.settings",
        HUEY_IMMEDIATE="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    world = build_world(50)
    suppliers = world.suppliers

    env = {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "CHANNEL_PREFIX": prefix,
        "CACHE_PREFIX": prefix,
        "CONN_MAX_AGE": "300",  # keep the workers' connections (no reconnect per bid)
        "AUCTION_WS_RATE": "1000",  # the per-connection abuse limit is not what is measured
        "AUCTION_WS_BURST": "1000",
        "LOG_LEVEL": "ERROR",
        "DEBUG": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    servers = [Daphne(env).start(), Daphne(env).start()]
    print(f"two daphne processes on 127.0.0.1:{servers[0].port} and :{servers[1].port}; PostgreSQL, Redis")
    try:
        if "a" in args.scenarios:
            auction = live_auction(world, suppliers[:20], "Scenario a")
            result = asyncio.run(
                scenario_paced(
                    world,
                    servers,
                    auctions=[auction],
                    specs=watchers_for(world, auction, args.watchers, 20),
                    bidders=[(auction, s) for s in range(20)],
                    rate_each=1.0,
                    seconds=args.seconds_a,
                )
            )
            base = floor(url, connections=20, seconds=min(args.seconds_a, 10), rate=20)
            print(
                f"(a) {args.watchers} watchers + 20 bidders, 20 bids/s for {args.seconds_a:g} s: "
                f"{result['accepted_per_s']:.1f} accepted bids/s ({result['accepted']}), "
                f"staleness p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms (target <= 200), "
                f"unseen {result['missing']}, refused {result['refused'] or 0}"
            )
            print(FANOUT.format(**result))
            print(f"    floor, bare locked transaction at 20/s: p50 {base['p50']:.1f} ms, p99 {base['p99']:.1f} ms")
        if "b" in args.scenarios:
            bidders = 40
            auction = live_auction(world, suppliers[:bidders], "Scenario b")
            result = asyncio.run(
                scenario_flood(
                    world,
                    servers,
                    auction=auction,
                    specs=watchers_for(world, auction, args.watchers, bidders),
                    bidders=bidders,
                    seconds=args.seconds_b,
                )
            )
            base = floor(url, connections=bidders, seconds=args.seconds_b)
            print(
                f"(b) flood, {bidders} bidders unpaced for {args.seconds_b:g} s, {args.watchers} watchers: "
                f"{result['accepted_per_s']:.0f} accepted bids/s (target >= 500) of {result['attempts']} attempts, "
                f"staleness p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms (target <= 500); "
                f"{result['on_final']}/{result['watchers']} watchers on the final state "
                f"(bids_count {result['final']}); accepted {result['accepted']}, in the database {result['in_db']}, "
                f"every attempt answered once: {result['answered_once']}; refused {result['refused'] or 0}"
            )
            print(FANOUT.format(**result))
            print(
                f"    floor, bare locked transaction, {bidders} connections unpaced: {base['per_s']:.0f}/s, "
                f"p50 {base['p50']:.1f} ms, p99 {base['p99']:.1f} ms; "
                f"ratio {result['accepted_per_s'] / base['per_s']:.2f}"
            )
        if "c" in args.scenarios:
            auctions = []
            specs, bidders = [], []
            for i in range(50):
                invited = [suppliers[(i + k) % 50] for k in range(6)]
                auction = live_auction(world, invited, f"Scenario c {i}")
                auctions.append(auction)
                numbers = [(i + k) % 50 for k in range(6)]
                bidders += [(auction, numbers[0]), (auction, numbers[1])]
                specs += [(auction, world.buyer_cookie)] + [
                    (auction, world.supplier_cookies[numbers[2 + k % 4]]) for k in range(17)
                ]
            before = [s.memory_mb() for s in servers]
            result = asyncio.run(
                scenario_paced(
                    world,
                    servers,
                    auctions=auctions,
                    specs=specs,
                    bidders=bidders,
                    rate_each=1.0,
                    seconds=args.seconds_c,
                )
            )
            after = [s.memory_mb() for s in servers]
            base = floor(url, connections=20, seconds=min(args.seconds_c, 10), rate=100)
            print(
                f"(c) 50 auctions x 20 sockets ({result['sockets']} sockets), 2 bids/s each for {args.seconds_c:g} s: "
                f"{result['accepted_per_s']:.1f} accepted bids/s, staleness p50 {result['p50']:.0f} ms, "
                f"p99 {result['p99']:.0f} ms (target <= 250), unseen {result['missing']}, "
                f"refused {result['refused'] or 0}"
            )
            print(FANOUT.format(**result))
            print(
                "    daphne memory (RSS): "
                + ", ".join(f"{a:.0f} MB (idle {b:.0f} MB)" for a, b in zip(after, before, strict=True))
            )
            print(f"    floor, bare locked transaction at 100/s: p50 {base['p50']:.1f} ms, p99 {base['p99']:.1f} ms")
    finally:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
