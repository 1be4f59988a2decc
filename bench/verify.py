"""`verify`: verify_bot_tokens against the sandbox with 100 ms on /2/users/me, next to a naive loop.

The limit is N x latency / concurrency: with that many requests in flight and each taking the
sandbox's latency, no client can finish sooner.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench.environment import (
    ROOT,
    database_name,
    django_on_throwaway_database,
    free_port,
    sandbox_env,
    server_env,
)
from bench.report import Section
from bench.servers import gunicorn
from bench.stats import median, table, verdict

MIB = 1024 * 1024


@dataclass(frozen=True)
class Options:
    n: int = 1000
    large: int = 10_000
    runs: int = 3
    naive: int = 1000
    latency_ms: int = 100
    concurrency: int | None = None
    sandbox_workers: int = 2
    sandbox_threads: int = 32


QUICK = Options(n=100, large=400, runs=1, naive=100)


def run_command(env: dict[str, str], *, options: Options, trace: bool = False) -> dict[str, Any]:
    """One verify_bot_tokens run in its own process, after resetting what the last run wrote."""
    from botauth.models import BotAccount

    BotAccount.objects.update(last_verified_at=None, last_verification="")
    command = [sys.executable, "-m", "bench.verify_run"]
    command += ["--tracemalloc"] if trace else []
    command += [f"--concurrency={options.concurrency}"] if options.concurrency else []
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def naive_loop(limit: int) -> tuple[float, int]:
    """The loop the issue compares against: a tweepy.Client and get_me() per account, in turn."""
    import tweepy

    from botauth import conf
    from botauth.models import BotAccount
    from botauth.transport import XSession

    key, secret = conf.consumer_credentials()
    valid = 0
    started = time.perf_counter()
    accounts = BotAccount.objects.linked().order_by("pk")[:limit]
    for account in accounts.iterator():
        client = tweepy.Client(
            consumer_key=key,
            consumer_secret=secret,
            access_token=account.twitter_access_token,
            access_token_secret=account.twitter_access_token_secret,
        )
        client.session = XSession()
        with contextlib.suppress(tweepy.TweepyException):
            valid += client.get_me(user_auth=True).data is not None
    return time.perf_counter() - started, valid


def warm_up(count: int) -> None:
    """Start the sandbox's threads and database connections before anything is timed."""
    from botauth.models import BotAccount
    from botauth.verification import check

    accounts = list(BotAccount.objects.order_by("pk")[:count])
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(check, accounts))


def _valid(result: dict[str, Any]) -> int:
    return int(result["outcomes"].get("valid", 0))


def run(options: Options) -> Section:
    port, database = free_port(), database_name("verify")
    env = server_env(database=database, sandbox_port=port, latency_ms=options.latency_ms)
    with django_on_throwaway_database(env, database=database):
        from bench import seed

        seed.linked_accounts(options.n)
        with gunicorn(
            "verify-sandbox",
            sandbox_env(env),
            port=port,
            workers=options.sandbox_workers,
            threads=options.sandbox_threads,
        ):
            warm_up(min(options.n, 64))
            print(f"verify: N={options.n}, {options.runs} runs around a naive loop", flush=True)
            small = [run_command(env, options=options)]
            naive_seconds, naive_valid = naive_loop(options.naive)
            small += [run_command(env, options=options) for _ in range(options.runs - 1)]
            small_trace = run_command(env, options=options, trace=True)
            large = large_trace = None
            if options.large > options.n:
                print(f"verify: N={options.large}", flush=True)
                seed.linked_accounts(options.large - options.n, start=options.n)
                large = run_command(env, options=options)
                large_trace = run_command(env, options=options, trace=True)
    return _section(options, small, small_trace, large, large_trace, naive_seconds, naive_valid)


def _section(
    options: Options,
    small: list[dict[str, Any]],
    small_trace: dict[str, Any],
    large: dict[str, Any] | None,
    large_trace: dict[str, Any] | None,
    naive_seconds: float,
    naive_valid: int,
) -> Section:
    concurrency = int(small[0]["concurrency"])
    latency = options.latency_ms / 1000
    wall = median([r["process_seconds"] for r in small])
    command = median([r["command_seconds"] for r in small])
    limit = options.n * latency / concurrency
    naive_per_account = naive_seconds / options.naive
    naive_at_n = naive_per_account * options.n
    speedup = naive_at_n / wall
    all_valid = all(_valid(r) == options.n for r in [*small, small_trace]) and (
        naive_valid == options.naive
    )
    rows: list[list[object]] = [
        [
            f"`verify_bot_tokens` (median of {len(small)}; each: "
            + ", ".join(f"{r['process_seconds']:.2f}" for r in small)
            + " s)",
            options.n,
            f"{wall:.2f} s",
            f"{command:.2f} s",
            f"{wall / limit:.2f}x",
            f"{max(r['max_rss_kib'] for r in small) / 1024:.0f} MiB",
        ],
        [
            "naive loop: `tweepy.Client(...).get_me()` per account",
            options.naive,
            f"{naive_seconds:.2f} s",
            "",
            "",
            "",
        ],
    ]
    if large is not None:
        large_limit = options.large * latency / concurrency
        rows.append(
            [
                "`verify_bot_tokens` (1 run)",
                options.large,
                f"{large['process_seconds']:.2f} s",
                f"{large['command_seconds']:.2f} s",
                f"{large['process_seconds'] / large_limit:.2f}x",
                f"{large['max_rss_kib'] / 1024:.0f} MiB",
            ]
        )
    timing = table(["run", "N", "wall (process)", "in the command", "vs limit", "peak RSS"], rows)
    memory_rows: list[list[object]] = [
        [
            options.n,
            f"{max(r['max_rss_kib'] for r in small) / 1024:.1f} MiB",
            f"{small_trace['max_rss_kib'] / 1024:.1f} MiB",
            f"{small_trace['tracemalloc_peak_bytes'] / MIB:.1f} MiB",
        ]
    ]
    flat_rss = flat_traced = True
    if large is not None and large_trace is not None:
        memory_rows.append(
            [
                options.large,
                f"{large['max_rss_kib'] / 1024:.1f} MiB",
                f"{large_trace['max_rss_kib'] / 1024:.1f} MiB",
                f"{large_trace['tracemalloc_peak_bytes'] / MIB:.1f} MiB",
            ]
        )
        all_valid = all_valid and _valid(large) == _valid(large_trace) == options.large
        base_rss = max(r["max_rss_kib"] for r in small)
        flat_rss = large["max_rss_kib"] <= base_rss * 1.10
        flat_traced = (
            large_trace["tracemalloc_peak_bytes"]
            <= small_trace["tracemalloc_peak_bytes"] * 1.25 + MIB
        )
    memory = table(
        ["N", "peak RSS (timed run)", "peak RSS (traced run)", "tracemalloc peak"], memory_rows
    )
    within = wall <= 1.5 * limit
    faster = speedup >= 10
    # Below the sizes start-up dominates (a --quick smoke run): report, do not judge.
    judged = options.n >= 1000
    judged_memory = large is not None and options.large >= 10_000
    small_size = "not judged below N=1000"
    goals = table(
        ["goal", "measured", ""],
        [
            [
                "within 1.5x of N x latency / concurrency",
                f"{wall:.2f} s vs {options.n} x {options.latency_ms} ms / {concurrency} "
                f"= {limit:.2f} s: {wall / limit:.2f}x",
                verdict(within) if judged else small_size,
            ],
            [
                "at least 10x faster than the naive loop",
                f"{naive_at_n:.1f} s / {wall:.2f} s = {speedup:.1f}x"
                + (f" (naive measured on {options.naive})" if options.naive != options.n else ""),
                verdict(faster) if judged else small_size,
            ],
            [
                f"peak memory flat from N={options.n} to N={options.large}",
                "peak RSS within +10%, tracemalloc peak within +25%"
                if large is not None
                else "not measured",
                verdict(flat_rss and flat_traced) if judged_memory else "not judged below N=10,000",
            ],
            [
                "every token checked valid",
                "all runs, naive loop included",
                verdict(all_valid),
            ],
        ],
    )
    body = (
        f"Sandbox: its own gunicorn ({options.sandbox_workers} workers x "
        f"{options.sandbox_threads} threads) on PostgreSQL, {options.latency_ms} ms added to "
        "`/2/users/me`, rate limits not enforced. `verify_bot_tokens --json` at its default "
        f"concurrency ({concurrency}) runs in a fresh process each time; *wall (process)* "
        "includes Python and Django start-up, *in the command* is `call_command` alone.\n\n"
        f"{timing}\n\nMemory (each run a fresh process; tracemalloc in a separate run because "
        f"it slows Python down):\n\n{memory}\n\n{goals}\n"
    )
    return Section(title="verify", body=body, ok=all_valid)
