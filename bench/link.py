"""`link`: full link flows per second against a zero-latency sandbox, next to a bare view.

The bare view is a staff-only POST doing one UPDATE through the same middleware, server and
database; the ratio between the two is the cost of a link flow that is ours (botauth's views
and the sandbox standing in for X), in units of "the cheapest useful Django request".
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from bench.browser import Browser, Flow
from bench.environment import database_name, django_on_throwaway_database, free_port, server_env
from bench.report import Section
from bench.servers import app_and_sandbox
from bench.stats import median, ms, percentile, table, verdict

T = TypeVar("T")
# A flow is five requests from the browser and two from botauth to X (request and access token).
SERVER_CALLS_PER_FLOW = 2


@dataclass(frozen=True)
class Options:
    clients: int = 8
    flows: int = 25
    rounds: int = 3
    bare: int = 150
    app_workers: int = 2
    app_threads: int = 8
    sandbox_workers: int = 2
    sandbox_threads: int = 16


QUICK = Options(clients=4, flows=5, rounds=1, bare=25)


@dataclass
class Phase:
    seconds: float
    latencies: list[float]
    requests: int
    failures: list[str]
    server_errors: int


def _in_parallel(work: list[Callable[[], T]]) -> tuple[float, list[T]]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        results = list(pool.map(lambda job: job(), work))
    return time.perf_counter() - started, results


def _bare(browser: Browser, pk: int, count: int) -> tuple[list[float], int, list[str]]:
    latencies, failures = [], []
    first = len(browser.statuses)
    for _ in range(count):
        started = time.perf_counter()
        response = browser.post(f"/bench/touch/{pk}/")
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            failures.append(f"bare view answered {response.status_code}")
    return latencies, len(browser.statuses) - first, failures


def _flows(browser: Browser, pks: list[int]) -> list[Flow]:
    return [browser.link(pk, x_username=f"lx{pk}") for pk in pks]


def bare_phase(browsers: list[Browser], pks: list[int], count: int) -> Phase:
    seconds, results = _in_parallel(
        [partial(_bare, b, pk, count) for b, pk in zip(browsers, pks, strict=True)]
    )
    return Phase(
        seconds=seconds,
        latencies=[lat for latencies, _, _ in results for lat in latencies],
        requests=sum(n for _, n, _ in results),
        failures=[f for _, _, failures in results for f in failures],
        server_errors=0,
    )


def link_phase(browsers: list[Browser], batches: list[list[int]]) -> Phase:
    seconds, results = _in_parallel(
        [partial(_flows, b, pks) for b, pks in zip(browsers, batches, strict=True)]
    )
    flows = [flow for batch in results for flow in batch]
    return Phase(
        seconds=seconds,
        latencies=[flow.total for flow in flows if not flow.error],
        requests=sum(len(flow.statuses) for flow in flows),
        failures=[flow.error for flow in flows if flow.error],
        server_errors=sum(1 for flow in flows for s in flow.statuses if s >= 500),
    )


def run(options: Options) -> Section:
    app_port, sandbox_port, database = free_port(), free_port(), database_name("link")
    env = server_env(database=database, sandbox_port=sandbox_port, latency_ms=0)
    k = options.clients
    per_client = options.flows * options.rounds + 1
    with django_on_throwaway_database(env, database=database):
        from bench import seed

        staff = seed.staff_users(k, prefix="lstaff")
        pks = seed.unlinked_accounts(k * per_client, prefix="lbot")
        batches = [pks[c * per_client : (c + 1) * per_client] for c in range(k)]
        with app_and_sandbox(
            "link",
            env,
            app_port=app_port,
            sandbox_port=sandbox_port,
            app=(options.app_workers, options.app_threads),
            sandbox=(options.sandbox_workers, options.sandbox_threads),
        ) as (app, sandbox):
            browsers = [Browser(app.base) for _ in range(k)]
            for browser, username in zip(browsers, staff, strict=True):
                browser.login(username, seed.STAFF_PASSWORD)
            # Warm-up: every server thread opens its connections and fills its caches.
            link_phase(browsers, [[batch[0]] for batch in batches])
            bare_phase(browsers, [batch[0] for batch in batches], 10)
            bare_rounds, link_rounds = [], []
            for r in range(options.rounds):
                print(f"link: round {r + 1} of {options.rounds}", flush=True)
                bare_rounds.append(bare_phase(browsers, [b[0] for b in batches], options.bare))
                chunk = [b[1 + r * options.flows : 1 + (r + 1) * options.flows] for b in batches]
                link_rounds.append(link_phase(browsers, chunk))
            logged = app.statuses() + sandbox.statuses()
    return _section(options, bare_rounds, link_rounds, logged)


def _section(
    options: Options, bare_rounds: list[Phase], link_rounds: list[Phase], logged: Counter[int]
) -> Section:
    flows_per_round = options.clients * options.flows
    bare_rps = [p.requests / p.seconds for p in bare_rounds]
    flows_ps = [flows_per_round / p.seconds for p in link_rounds]
    link_rps = [p.requests / p.seconds for p in link_rounds]
    ratios = [b / f for b, f in zip(bare_rps, flows_ps, strict=True)]
    flow_latencies = [lat for p in link_rounds for lat in p.latencies]
    bare_latencies = [lat for p in bare_rounds for lat in p.latencies]
    requests_per_flow = link_rounds[0].requests / flows_per_round
    handled_ps = [f * (requests_per_flow + SERVER_CALLS_PER_FLOW) for f in flows_ps]
    failures = [f for p in [*bare_rounds, *link_rounds] for f in p.failures]
    server_5xx = sum(n for code, n in logged.items() if code >= 500)
    ok = not failures and server_5xx == 0
    rows = [
        [
            "bare view: staff POST, one UPDATE",
            f"{median(bare_rps):.0f} requests/s",
            f"{median(bare_rps):.0f}",
            ms(percentile(bare_latencies, 50)),
            ms(percentile(bare_latencies, 95)),
        ],
        [
            f"link flow ({requests_per_flow:.0f} browser requests + "
            f"{SERVER_CALLS_PER_FLOW} botauth → sandbox)",
            f"{median(flows_ps):.1f} flows/s",
            f"{median(link_rps):.0f} (browser), {median(handled_ps):.0f} (all served)",
            ms(percentile(flow_latencies, 50)),
            ms(percentile(flow_latencies, 95)),
        ],
    ]
    results = table(["", "throughput (median)", "requests/s", "p50", "p95"], rows)
    per_round = table(
        ["round", "bare requests/s", "link flows/s", "ratio"],
        [
            [i + 1, f"{b:.0f}", f"{f:.1f}", f"{r:.1f}"]
            for i, (b, f, r) in enumerate(zip(bare_rps, flows_ps, ratios, strict=True))
        ],
    )
    ratio = median(ratios)
    per_request = median(bare_rps) / median(handled_ps)
    body = (
        f"{options.clients} concurrent clients, each its own staff user and session, "
        f"{options.flows} flows each per round (each flow a fresh BotAccount), "
        f"{options.rounds} rounds alternating the bare view and the link flow. "
        f"botauth: gunicorn {options.app_workers} workers x {options.app_threads} threads; "
        f"sandbox: its own gunicorn {options.sandbox_workers} x {options.sandbox_threads}, "
        "no added latency; PostgreSQL; clients, servers and database share the machine's CPUs.\n\n"
        f"{results}\n\n{per_round}\n\n"
        f"**Ratio: one link flow costs as much server time as {ratio:.1f} bare requests** "
        f"(median of the rounds' ratios). Per HTTP request served (a flow is "
        f"{requests_per_flow:.0f} + {SERVER_CALLS_PER_FLOW}), a link-flow request costs "
        f"{per_request:.1f}x a bare one.\n\n"
        + table(
            ["check", "measured", ""],
            [
                ["every flow linked", f"{len(failures)} failed", verdict(not failures)],
                ["no 5xx (both servers' access logs)", str(server_5xx), verdict(server_5xx == 0)],
            ],
        )
        + ("\n\nFailures: " + "; ".join(sorted(set(failures))[:5]) if failures else "")
        + "\n"
    )
    return Section(title="link", body=body, ok=ok)
