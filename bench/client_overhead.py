"""`client_overhead`: the client from get_tweepy_client() next to a bare tweepy.Client.

Both post (`create_tweet`) and read (`get_me`) against the same stub of X: a threaded
http.server on loopback, in its own process, answering X's shapes with keep-alive and no added
latency unless asked, so the client side is as large a share of each call as it can be. What
botauth adds per call is the routed, timed-out XSession and the health hook
(botauth.health) that learns from every answer and writes to the database at most once per
BOTAUTH_HEALTH_WRITE_INTERVAL. The bare client gets a requests.Session whose only change is the
URL (tweepy hard-codes api.twitter.com). Rounds alternate the two clients; medians per call.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from bench.environment import (
    ROOT,
    database_name,
    django_on_throwaway_database,
    free_port,
    server_env,
)
from bench.report import Section
from bench.stats import median, table, verdict

X_API = "https://api.twitter.com"
USER = {"id": "1072250532645998596", "name": "Bench Bot", "username": "benchbot"}
GOAL = 1.10
WARM_UP = 20
JUDGED_FROM = 1000


@dataclass(frozen=True)
class Options:
    rounds: int = 5
    calls: int = 400
    latency_ms: float = 0.0


QUICK = Options(rounds=2, calls=50)


class StubX(BaseHTTPRequestHandler):
    """POST /2/tweets and GET /2/users/me as X answers them (cassettes in ../shared/x-api)."""

    protocol_version = "HTTP/1.1"  # keep-alive, as with X
    # Headers and body go out as two writes: with Nagle, each answer would wait for the
    # client's delayed ACK (40 ms on Linux) and the benchmark would measure that.
    disable_nagle_algorithm = True
    latency = 0.0
    posted = 0

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: dict[str, Any], **headers: str) -> None:
        if self.latency:
            time.sleep(self.latency)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(payload)))
        self.send_header("x-access-level", "read-write")
        self.send_header("x-rate-limit-limit", "100")
        self.send_header("x-rate-limit-remaining", "99")
        self.send_header("x-rate-limit-reset", str(int(time.time()) + 900))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/2/users/me":
            self._answer(200, {"data": USER})
        else:
            self._answer(404, {"title": "Not Found", "type": "about:blank", "detail": self.path})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        text = json.loads(self.rfile.read(length) or b"{}").get("text", "")
        if self.path != "/2/tweets":
            self._answer(404, {"title": "Not Found", "type": "about:blank", "detail": self.path})
            return
        StubX.posted += 1
        post_id = str(1456012973835788293 + StubX.posted)
        self._answer(
            201,
            {"data": {"id": post_id, "text": text}},
            location=f"{X_API}/2/tweets/{post_id}",
        )


def serve(port: int, latency_ms: float) -> None:
    StubX.latency = latency_ms / 1000
    ThreadingHTTPServer(("127.0.0.1", port), StubX).serve_forever()


@contextmanager
def stub_x(latency_ms: float) -> Iterator[str]:
    """The stub in a process of its own: its threads do not compete with the clients' GIL."""
    port = free_port()
    code = f"from bench.client_overhead import serve; serve({port}, {float(latency_ms)!r})"
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the stub of X did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


class StubSession(requests.Session):
    """tweepy's own kind of session, sent to the stub instead of api.twitter.com: nothing else."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        return super().request(method, url.replace(X_API, self.base, 1), *args, **kwargs)


def _timed(call: Callable[[], Any]) -> tuple[float, float]:
    """(wall, CPU) seconds of one call: CPU is this process's own work, the client's cost."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


@contextmanager
def _counting_writes() -> Iterator[list[str]]:
    from django.db import connection

    writes: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield writes


def run(options: Options) -> Section:
    database = database_name("client_overhead")
    env = server_env(database=database, sandbox_port=free_port(), latency_ms=0)
    with stub_x(options.latency_ms) as base, django_on_throwaway_database(env, database=database):
        import tweepy
        from django.test.utils import override_settings
        from django.utils import timezone

        from botauth.models import BotAccount

        with override_settings(
            BOTAUTH_SANDBOX=False,
            BOTAUTH_X_API_URL=base,
            TWITTER_CONSUMER_API_KEY="bench-consumer-key",
            TWITTER_CONSUMER_API_KEY_SECRET="bench-consumer-secret",
        ):
            account = BotAccount.objects.create(
                name="benchbot",
                status=BotAccount.Status.LINKED,
                twitter_access_token=f"{USER['id']}-benchaccesstoken",
                twitter_access_token_secret="benchaccesssecret",
                twitter_user_id=USER["id"],
                twitter_username=USER["username"],
                access_level="read-write",
                linked_at=timezone.now(),
            )
            account = BotAccount.objects.get(pk=account.pk)
            ours = account.get_tweepy_client()
            bare = tweepy.Client(
                consumer_key="bench-consumer-key",
                consumer_secret="bench-consumer-secret",
                access_token=account.twitter_access_token,
                access_token_secret=account.twitter_access_token_secret,
            )
            bare.session = StubSession(base)
            clients = {"bare": bare, "botauth": ours}
            calls: dict[str, Callable[[Any], Any]] = {
                "create_tweet": lambda client: client.create_tweet(text="Hello from the bench"),
                "get_me": lambda client: client.get_me(user_auth=True),
            }
            wall: dict[tuple[str, str], list[float]] = {
                (w, op): [] for w in clients for op in calls
            }
            cpu: dict[tuple[str, str], list[float]] = {(w, op): [] for w in clients for op in calls}
            ratios: list[float] = []
            print(
                f"client_overhead: {options.rounds} rounds x {options.calls} calls per "
                "operation per client, the two clients taking turns call by call",
                flush=True,
            )
            with _counting_writes() as writes:
                for client in clients.values():  # connections open, code paths warm
                    for call in calls.values():
                        for _ in range(WARM_UP):
                            call(client)
                for _ in range(options.rounds):
                    totals = dict.fromkeys(clients, 0.0)
                    for op, call in calls.items():
                        for number in range(options.calls):
                            # Turn by turn, each first every other time: the machine's load
                            # drifts alike for both.
                            order = list(clients) if number % 2 else list(reversed(clients))
                            for who in order:
                                seconds, work = _timed(partial(call, clients[who]))
                                wall[(who, op)].append(seconds)
                                cpu[(who, op)].append(work)
                                totals[who] += seconds
                    ratios.append(totals["botauth"] / totals["bare"])
            account.refresh_from_db()
            seen_working = account.last_seen_working_at is not None
    return _section(options, wall, cpu, ratios, len(writes), seen_working)


def _section(
    options: Options,
    wall: dict[tuple[str, str], list[float]],
    cpu: dict[tuple[str, str], list[float]],
    ratios: list[float],
    writes: int,
    seen_working: bool,
) -> Section:
    rows: list[list[object]] = []
    worst = 0.0
    for op in ("create_tweet", "get_me"):
        bare, ours = median(wall[("bare", op)]), median(wall[("botauth", op)])
        bare_cpu, ours_cpu = median(cpu[("bare", op)]), median(cpu[("botauth", op)])
        worst = max(worst, ours / bare)
        rows.append(
            [
                f"`{op}`",
                len(wall[("bare", op)]),
                f"{bare * 1e6:.0f} µs",
                f"{ours * 1e6:.0f} µs",
                f"**{ours / bare:.3f}**",
                f"{bare_cpu * 1e6:.0f} µs",
                f"{ours_cpu * 1e6:.0f} µs",
                f"{ours_cpu / bare_cpu:.3f}",
            ]
        )
    per_call = table(
        [
            "call",
            "calls each",
            "wall: bare tweepy.Client",
            "wall: get_tweepy_client()",
            "ratio",
            "CPU: bare",
            "CPU: get_tweepy_client()",
            "ratio",
        ],
        rows,
    )
    by_round = median(ratios)
    botauth_calls = sum(len(wall[("botauth", op)]) + WARM_UP for op in ("create_tweet", "get_me"))
    goals = table(
        ["goal", "measured", ""],
        [
            [
                f"within {GOAL - 1:.0%} of a bare tweepy.Client per call",
                f"median per-call ratio, worst of the two calls: {worst:.3f}; "
                f"rounds' total time ratio (median of {len(ratios)}): {by_round:.3f}",
                verdict(worst <= GOAL)
                if options.rounds * options.calls >= JUDGED_FROM
                else f"not judged below {JUDGED_FROM:,} calls (a --quick smoke run)",
            ],
            [
                "a busy bot does not write a row per call",
                f"{writes} database writes in {botauth_calls} calls (warm-up included)",
                verdict(writes <= options.rounds),
            ],
            [
                "the health hook recorded the bot as working",
                str(seen_working),
                verdict(seen_working),
            ],
        ],
    )
    body = (
        f"A stub of X (threaded `http.server` on loopback, its own process, keep-alive, "
        f"{options.latency_ms:g} ms added) answers `POST /2/tweets` (201) and `GET /2/users/me` "
        "in X's shapes. Both clients sign with OAuth 1.0a; the bare `tweepy.Client` gets a "
        "`requests.Session` that only rewrites the host, the other comes from "
        "`BotAccount.get_tweepy_client()` (routed, timed-out `XSession` and the health hook, "
        "`BOTAUTH_HEALTH_WRITE_INTERVAL` at its default). "
        f"{options.rounds} rounds of {options.calls} calls of each kind per client; the two "
        "clients take turns call by call, each going first every other time. Medians per call: "
        "wall clock, and CPU time of the benchmark's process (the client's own work, less "
        "disturbed by other load on the machine). PostgreSQL holds the bot account.\n\n"
        f"{per_call}\n\n{goals}\n"
    )
    return Section(title="client_overhead", body=body, ok=seen_working and writes <= options.rounds)
