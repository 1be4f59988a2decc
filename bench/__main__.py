"""`python -m bench all` runs every benchmark and writes bench/RESULTS.md; see bench/README.md."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.environment import ROOT
from bench.report import Section, results_document

BENCHMARKS = ("verify", "link", "load", "media", "sandbox-media", "client_overhead", "refresh")
RESULTS = ROOT / "bench" / "RESULTS.md"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="benchmark", required=True)
    every = commands.add_parser("all", help="every benchmark, each in its own process")
    every.add_argument("--quick", action="store_true", help="small sizes: a smoke run for CI")
    every.add_argument(
        "--results",
        type=Path,
        default=None,
        help=f"write the Markdown report here (default: {RESULTS.relative_to(ROOT)}, "
        "not written with --quick)",
    )
    verify = commands.add_parser("verify", help="verify_bot_tokens vs a naive loop")
    verify.add_argument("--n", type=int, default=None, help="accounts (1000)")
    verify.add_argument("--large", type=int, default=None, help="second size, memory (10000)")
    verify.add_argument("--runs", type=int, default=None, help="timed runs at N (3)")
    verify.add_argument("--naive", type=int, default=None, help="accounts in the naive loop (N)")
    verify.add_argument("--concurrency", type=int, default=None, help="default: the command's")
    verify.add_argument("--latency-ms", type=int, default=100)
    link = commands.add_parser("link", help="link flows/s vs a bare one-update view")
    link.add_argument("--clients", type=int, default=None, help="concurrent clients (8)")
    link.add_argument("--flows", type=int, default=None, help="flows per client per round (25)")
    link.add_argument("--rounds", type=int, default=None, help="alternating rounds (3)")
    load = commands.add_parser("load", help="200 concurrent link flows on 4 workers")
    load.add_argument("--flows", type=int, default=None, help="concurrent flows (200)")
    media = commands.add_parser("media", help="peak RSS of a 512 MiB media_upload")
    media.add_argument("--size-mib", type=int, default=None, help="file size in MiB (512)")
    media.add_argument("--runs", type=int, default=None, help="uploads per mode (3)")
    media.add_argument("--chunk-mib", type=int, default=None, help="segment size in MiB (4)")
    sandbox_media = commands.add_parser(
        "sandbox-media", help="sandbox memory over a 512 MiB upload"
    )
    sandbox_media.add_argument("--mib", type=int, default=None, help="upload size in MiB (512)")
    overhead = commands.add_parser(
        "client_overhead", help="get_tweepy_client() vs a bare tweepy.Client on a stub of X"
    )
    overhead.add_argument("--rounds", type=int, default=None, help="alternating rounds (5)")
    overhead.add_argument("--calls", type=int, default=None, help="calls per kind per round (400)")
    overhead.add_argument("--latency-ms", type=float, default=None, help="added by the stub (0)")
    refresh = commands.add_parser("refresh", help="OAuth 2.0 bots posting across token expiry")
    refresh.add_argument("--processes", type=int, default=None, help="worker processes (4)")
    refresh.add_argument("--threads", type=int, default=None, help="threads per process (8)")
    refresh.add_argument("--bots", type=int, default=None, help="OAuth 2.0 bots (4)")
    refresh.add_argument("--ttl", type=int, default=None, help="access token life, s (5)")
    refresh.add_argument("--seconds", type=float, default=None, help="posting time, s (30)")
    for command in (verify, link, load, media, sandbox_media, overhead, refresh):
        command.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
        command.add_argument("--section", type=Path, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_one(args: argparse.Namespace) -> Section:
    # Imported here: each benchmark configures Django for its own throwaway database.
    given = {k: v for k, v in vars(args).items() if v is not None}
    if args.benchmark == "verify":
        from bench import verify

        base = verify.QUICK if args.quick else verify.Options()
        names = ("n", "large", "runs", "naive", "concurrency", "latency_ms")
        options = verify.Options(**{**vars(base), **{k: given[k] for k in names if k in given}})
        if "n" in given and "naive" not in given:
            options = verify.Options(**{**vars(options), "naive": options.n})
        return verify.run(options)
    if args.benchmark == "link":
        from bench import link

        base_link = link.QUICK if args.quick else link.Options()
        link_names = ("clients", "flows", "rounds")
        return link.run(
            link.Options(**{**vars(base_link), **{k: given[k] for k in link_names if k in given}})
        )
    if args.benchmark == "media":
        from bench import media

        base_media = media.QUICK if args.quick else media.Options()
        media_names = ("size_mib", "runs", "chunk_mib")
        return media.run(
            media.Options(
                **{**vars(base_media), **{k: given[k] for k in media_names if k in given}}
            )
        )
    if args.benchmark == "sandbox-media":
        from bench import sandbox_media

        base_sandbox = sandbox_media.QUICK if args.quick else sandbox_media.Options()
        return sandbox_media.run(
            sandbox_media.Options(
                **{**vars(base_sandbox), **({"mib": args.mib} if args.mib else {})}
            )
        )
    if args.benchmark == "client_overhead":
        from bench import client_overhead

        base_overhead = client_overhead.QUICK if args.quick else client_overhead.Options()
        overhead_names = ("rounds", "calls", "latency_ms")
        return client_overhead.run(
            client_overhead.Options(
                **{**vars(base_overhead), **{k: given[k] for k in overhead_names if k in given}}
            )
        )
    if args.benchmark == "refresh":
        from bench import refresh

        base_refresh = refresh.QUICK if args.quick else refresh.Options()
        refresh_names = ("processes", "threads", "bots", "ttl", "seconds")
        return refresh.run(
            refresh.Options(
                **{**vars(base_refresh), **{k: given[k] for k in refresh_names if k in given}}
            )
        )
    from bench import load

    base_load = load.QUICK if args.quick else load.Options()
    return load.run(
        load.Options(**{**vars(base_load), **({"flows": args.flows} if args.flows else {})})
    )


def run_all(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    sections: list[Section] = []
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in BENCHMARKS:
            path = Path(tmp) / f"{name}.json"
            command = [sys.executable, "-m", "bench", name, "--section", str(path)]
            command += ["--quick"] if args.quick else []
            print(f"\n=== {shlex.join(command[1:])} ===", flush=True)
            code = subprocess.run(command, cwd=ROOT, check=False).returncode
            if path.exists():
                sections.append(Section.load(path))
            if code:
                failed.append(name)
    seconds = time.perf_counter() - started
    target = args.results or (None if args.quick else RESULTS)
    if target is not None:
        invocation = "python -m bench all" + (" --quick" if args.quick else "")
        target.write_text(results_document(sections, command=invocation, seconds=seconds))
        print(f"\nwrote {target}")
    print(f"\nall benchmarks: {seconds / 60:.1f} min" + (f"; FAILED: {failed}" if failed else ""))
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.benchmark == "all":
        return run_all(args)
    section = run_one(args)
    print("\n" + section.markdown(), flush=True)
    if args.section is not None:
        section.save(args.section)
    return 0 if section.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
