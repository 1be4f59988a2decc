"""`sandbox-media`: the sandbox takes a 512 MiB chunked video upload with its memory flat.

The sandbox runs as its own gunicorn (one worker, so its peak RSS is the one process's). A client
uploads through initialize, append (multipart, 4 MiB segments) and finalize, as X's v2 media
upload is used, then polls STATUS until processing succeeds. The worker's peak RSS (VmHWM) is
read after a warm-up upload and again after the large one: what the sandbox keeps of an upload
is its size and digest, so the peak should not grow with the file.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from requests_oauthlib import OAuth1

from bench.environment import (
    database_name,
    django_on_throwaway_database,
    free_port,
    sandbox_env,
    server_env,
)
from bench.report import Section
from bench.servers import gunicorn
from bench.stats import median, ms, table, verdict

MIB = 1024 * 1024


@dataclass(frozen=True)
class Options:
    mib: int = 512
    segment_mib: int = 4
    warmup_mib: int = 16
    threads: int = 4


QUICK = Options(mib=32, warmup_mib=8)


@dataclass(frozen=True)
class Upload:
    seconds: float
    append_seconds: list[float]
    media_id: str
    states: list[str]


def run(options: Options) -> Section:
    sandbox_port, database = free_port(), database_name("sandbox_media")
    env = server_env(database=database, sandbox_port=sandbox_port, latency_ms=0)
    with django_on_throwaway_database(env, database=database):
        auth = _signed_in_user()
        with gunicorn(
            "sandbox-media", sandbox_env(env), port=sandbox_port, workers=1, threads=options.threads
        ) as sandbox:
            worker = _worker_of(sandbox.pid)
            base = f"{sandbox.base}/sandbox/2/media/upload"
            session = requests.Session()
            session.auth = auth
            start_rss = _kib(worker, "VmRSS")
            _upload(session, base, options.warmup_mib * MIB, options.segment_mib * MIB)
            _one_shot(session, base)
            warm_peak = _kib(worker, "VmHWM")
            print(f"sandbox-media: uploading {options.mib} MiB", flush=True)
            upload = _upload(session, base, options.mib * MIB, options.segment_mib * MIB)
            large_peak = _kib(worker, "VmHWM")
        stored = _stored(upload.media_id)
    return _section(options, start_rss, warm_peak, large_peak, upload, stored)


def _signed_in_user() -> OAuth1:
    from botauth_sandbox.models import AccessToken, SandboxApp, SandboxUser

    app = SandboxApp.objects.create(name="bench", key="bench-media-key-0", secret="s" * 40)
    user = SandboxUser.objects.create(username="mediabench", name="media bench")
    token = AccessToken.objects.create(
        token=f"{user.user_id}-{'t' * 40}", secret="x" * 45, app=app, user=user
    )
    return OAuth1(app.key, app.secret, token.token, token.secret)


def _upload(session: requests.Session, base: str, total: int, segment: int) -> Upload:
    data = os.urandom(segment)
    started = time.perf_counter()
    init = session.post(
        f"{base}/initialize",
        json={"media_type": "video/mp4", "total_bytes": total, "media_category": "tweet_video"},
        timeout=60,
    )
    init.raise_for_status()
    media_id = init.json()["data"]["id"]
    appends = []
    for index, offset in enumerate(range(0, total, segment)):
        chunk = data[: min(segment, total - offset)]
        began = time.perf_counter()
        response = session.post(
            f"{base}/{media_id}/append",
            files={"media": ("segment", chunk, "application/octet-stream")},
            data={"segment_index": str(index)},
            timeout=60,
        )
        response.raise_for_status()
        appends.append(time.perf_counter() - began)
    session.post(f"{base}/{media_id}/finalize", timeout=60).raise_for_status()
    states: list[str] = []
    while not states or states[-1] in ("pending", "in_progress"):
        polled = session.get(base, params={"command": "STATUS", "media_id": media_id}, timeout=60)
        polled.raise_for_status()
        states.append(polled.json()["data"]["processing_info"]["state"])
    return Upload(time.perf_counter() - started, appends, media_id, states)


def _one_shot(session: requests.Session, base: str) -> None:
    # The largest one-shot body (a 5 MiB image, base64 in JSON) is read whole, by design.
    image = b"\x89PNG\r\n\x1a\n" + os.urandom(5 * MIB - 8)
    body = {"media": base64.b64encode(image).decode(), "media_category": "tweet_image"}
    session.post(base, json=body, timeout=60).raise_for_status()


def _stored(media_id: str) -> tuple[int, int, str]:
    from botauth_sandbox.models import Media

    media = Media.objects.get(media_id=media_id)
    return media.total_bytes, media.received_bytes, media.state


def _worker_of(master: int) -> int:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            return int(stat.parent.name)
    raise RuntimeError(f"gunicorn master {master} has no worker")


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def _section(
    options: Options,
    start_rss: int,
    warm_peak: int,
    large_peak: int,
    upload: Upload,
    stored: tuple[int, int, str],
) -> Section:
    total = options.mib * MIB
    growth = (large_peak - warm_peak) / 1024
    flat = growth <= 16
    complete = stored == (total, total, "succeeded") and upload.states[-1] == "succeeded"
    rows = [
        ["worker RSS after start", f"{start_rss / 1024:.1f} MiB"],
        [
            f"worker peak RSS after warm-up ({options.warmup_mib} MiB chunked, 5 MiB one-shot)",
            f"{warm_peak / 1024:.1f} MiB",
        ],
        [f"worker peak RSS after the {options.mib} MiB upload", f"{large_peak / 1024:.1f} MiB"],
        ["peak growth / upload size", f"{growth:.1f} MiB / {options.mib} MiB"],
        [
            f"upload time ({len(upload.append_seconds)} appends of {options.segment_mib} MiB)",
            f"{upload.seconds:.1f} s ({options.mib / upload.seconds:.0f} MiB/s)",
        ],
        ["append, median", ms(median(upload.append_seconds))],
        ["STATUS states polled", " -> ".join(upload.states)],
        ["stored (total, received, state)", f"{stored[0]}, {stored[1]}, {stored[2]}"],
    ]
    goals = table(
        ["goal", "measured", ""],
        [
            ["peak RSS flat: grows by at most 16 MiB", f"+{growth:.1f} MiB", verdict(flat)],
            ["upload stored complete and processed", stored[2], verdict(complete)],
        ],
    )
    body = (
        f"Sandbox: its own gunicorn, 1 worker x {options.threads} threads, PostgreSQL; client "
        "requests-oauthlib on the same machine, segments as multipart file parts.\n\n"
        + table(["", ""], rows)
        + "\n\n"
        + goals
    )
    return Section(title="sandbox-media", body=body, ok=flat and complete)
