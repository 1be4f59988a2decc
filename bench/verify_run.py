"""Child process of the verify benchmark: run `verify_bot_tokens --json` once and report.

`python -m bench.verify_run [--tracemalloc]` prints one JSON line: the command's own wall time,
the process's peak RSS, the tracemalloc peak (when asked; it slows Python down, so it is a
separate run) and the outcomes recorded in the database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import time
import tracemalloc

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--concurrency", type=int, default=None)
    args = parser.parse_args()
    django.setup()
    from django.core.management import CommandError, call_command
    from django.db.models import Count

    from botauth import conf
    from botauth.models import BotAccount

    options = ["--json"] + ([f"--concurrency={args.concurrency}"] if args.concurrency else [])
    if args.tracemalloc:
        tracemalloc.start()
    started = time.perf_counter()
    # A run with any token not valid ends in CommandError; the outcomes below report it.
    with open(os.devnull, "w") as devnull, contextlib.suppress(CommandError):
        call_command("verify_bot_tokens", *options, stdout=devnull, stderr=devnull)
    elapsed = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    outcomes = dict(
        BotAccount.objects.values_list("last_verification").annotate(n=Count("pk")).order_by()
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {
        "command_seconds": elapsed,
        "max_rss_kib": usage.ru_maxrss,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "tracemalloc_peak_bytes": traced_peak,
        "concurrency": args.concurrency or conf.verify_concurrency(),
        "outcomes": outcomes,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
