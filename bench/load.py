"""`load`: 200 link flows at once on 4 gunicorn workers over PostgreSQL, nothing lost or mixed.

The sandbox runs as its own gunicorn, as X is its own service: botauth's start and callback
views hold a worker thread while they call X, so a sandbox served by the same threads would
queue behind the very requests waiting for it, and the run would measure that self-inflicted
deadlock (ending in BOTAUTH_REQUEST_TIMEOUT and 502s) instead of botauth.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench.browser import STEPS, Browser, Flow
from bench.environment import database_name, django_on_throwaway_database, free_port, server_env
from bench.report import Section
from bench.servers import app_and_sandbox
from bench.stats import ms, percentile, table, verdict


@dataclass(frozen=True)
class Options:
    flows: int = 200
    app_workers: int = 4
    app_threads: int = 8
    sandbox_workers: int = 2
    sandbox_threads: int = 16


QUICK = Options(flows=20)


def x_username(i: int) -> str:
    return f"loadx{i}"


def mixed_up(pks: list[int], staff: list[str]) -> tuple[list[str], list[str]]:
    """Flows whose account is not linked (lost), and accounts linked to anyone else (mixed)."""
    from botauth.models import BotAccount
    from botauth_sandbox.models import AccessToken, OAuth2Token
    from botauth_sandbox.oauth2.tokens import digest

    accounts = BotAccount.objects.in_bulk(pks)
    # What the sandbox issued to each X user, as botauth would store it: an OAuth 1.0a pair, or
    # the digests of an OAuth 2.0 access and refresh token (the sandbox keeps only digests).
    live: dict[str, tuple[str, str, str]] = {}
    for t in AccessToken.objects.select_related("user").filter(
        revoked=False, user__username__startswith="loadx"
    ):
        live[t.user.username] = (t.user.user_id, t.token, t.secret)
    for o in OAuth2Token.objects.select_related("user").filter(
        revoked=False, user__username__startswith="loadx"
    ):
        live[o.user.username] = (o.user.user_id, o.access_digest, o.refresh_digest or "")
    linked_by = dict(BotAccount.objects.filter(pk__in=pks).values_list("pk", "linked_by__username"))
    lost, mixed = [], []
    for i, pk in enumerate(pks):
        account, approved = accounts[pk], live.get(x_username(i))
        token, second = account.twitter_access_token, account.twitter_access_token_secret
        if account.protocol == BotAccount.Protocol.OAUTH2:
            token, second = digest(token), digest(account.twitter_refresh_token)
        if account.status != BotAccount.Status.LINKED:
            lost.append(account.name)
        elif approved is None or (
            account.twitter_user_id,
            account.twitter_username,
            token,
            second,
            linked_by[pk],
        ) != (*approved[:1], x_username(i), *approved[1:], staff[i]):
            mixed.append(account.name)
    return lost, mixed


def run(options: Options) -> Section:
    app_port, sandbox_port, database = free_port(), free_port(), database_name("load")
    env = server_env(database=database, sandbox_port=sandbox_port, latency_ms=0)
    n = options.flows
    with django_on_throwaway_database(env, database=database):
        from bench import seed

        staff = seed.staff_users(n, prefix="loadstaff")
        pks = seed.unlinked_accounts(n, prefix="loadbot")
        with app_and_sandbox(
            "load",
            env,
            app_port=app_port,
            sandbox_port=sandbox_port,
            app=(options.app_workers, options.app_threads),
            sandbox=(options.sandbox_workers, options.sandbox_threads),
        ) as (app, sandbox):
            gate = threading.Barrier(n)

            def flow(i: int) -> Flow:
                browser = Browser(app.base)
                gate.wait()
                return browser.link(
                    pks[i],
                    x_username=x_username(i),
                    username=staff[i],
                    password=seed.STAFF_PASSWORD,
                )

            print(f"load: {n} link flows at once", flush=True)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=n) as pool:
                flows = list(pool.map(flow, range(n)))
            wall = time.perf_counter() - started
            logged = {"botauth": app.statuses(), "sandbox": sandbox.statuses()}
            restarts = app.worker_boots() - options.app_workers
            restarts += sandbox.worker_boots() - options.sandbox_workers
        lost, mixed = mixed_up(pks, staff)
    return _section(options, flows, wall, logged, lost, mixed, restarts)


def _section(
    options: Options,
    flows: list[Flow],
    wall: float,
    logged: dict[str, Counter[int]],
    lost: list[str],
    mixed: list[str],
    restarts: int,
) -> Section:
    seen_5xx = sum(1 for flow in flows for status in flow.statuses if status >= 500)
    logged_5xx = {
        name: sum(n for c, n in counts.items() if c >= 500) for name, counts in logged.items()
    }
    failed = [flow.error for flow in flows if flow.error]
    done = [flow for flow in flows if not flow.error]
    rows = [
        [
            "whole flow",
            ms(percentile([f.total for f in done], 50)),
            ms(percentile([f.total for f in done], 95)),
            ms(max((f.total for f in done), default=0)),
        ]
    ]
    for step in STEPS:
        times = [f.steps[step] for f in done]
        rows.append(
            [step, ms(percentile(times, 50)), ms(percentile(times, 95)), ms(max(times, default=0))]
        )
    ok = not (seen_5xx or any(logged_5xx.values()) or lost or mixed or failed or restarts)
    resent = sum(flow.resent for flow in flows)
    served = {name: sum(counts.values()) for name, counts in logged.items()}
    checks = table(
        ["check", "measured", ""],
        [
            ["5xx seen by the clients", seen_5xx, verdict(seen_5xx == 0)],
            [
                "5xx in the access logs (botauth / sandbox)",
                f"{logged_5xx['botauth']} / {logged_5xx['sandbox']} "
                f"of {served['botauth']} / {served['sandbox']} requests",
                verdict(not any(logged_5xx.values())),
            ],
            ["flows that did not complete", len(failed), verdict(not failed)],
            ["gunicorn workers restarted (crash, timeout)", restarts, verdict(not restarts)],
            [
                "requests resent after the server closed an idle keep-alive connection",
                resent,
                "as browsers do",
            ],
            ["accounts not linked (lost)", len(lost), verdict(not lost)],
            ["accounts linked to another flow's X user (mixed up)", len(mixed), verdict(not mixed)],
            ["wall time, all flows", f"{wall:.1f} s ({len(flows) / wall:.1f} flows/s)", ""],
        ],
    )
    body = (
        f"{len(flows)} threads, each a distinct staff user (not a superuser) linking a distinct "
        "bot account to a distinct sandbox X user, released at once by a barrier. Each flow: "
        "log in (GET + POST), POST start, GET the sandbox consent page, POST approve, follow "
        "the callback, GET the admin page (checked for “Linked @handle”). botauth: gunicorn "
        f"{options.app_workers} workers x {options.app_threads} threads; sandbox: its own "
        f"gunicorn {options.sandbox_workers} x {options.sandbox_threads} (see `bench/load.py` "
        "for why); PostgreSQL. Afterwards each BotAccount is read back and compared with the "
        "sandbox user its flow approved: user id, handle, the access pair the sandbox issued "
        "to that user, and the staff user who linked it.\n\n"
        f"{checks}\n\nLatency of the {len(done)} completed flows:\n\n"
        + table(["step", "p50", "p95", "max"], rows)
        + ("\n\nFailures: " + "; ".join(sorted(set(failed))[:5]) if failed else "")
        + "\n"
    )
    return Section(title="load", body=body, ok=ok)
