"""`media`: BotClient.media_upload of a large video; peak RSS next to the file's size.

The file is a sparse MP4 (an `ftyp` header, then zeros) in a temporary directory. X is a loopback
HTTP stub in this process that answers X's v2 shapes (spec 2.167: initialize, append, finalize,
STATUS) and reads every body in 64 KiB pieces, keeping only counts. Each upload runs in a fresh
child process (`bench.media_run`), which reports its peak RSS before and after the upload.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.environment import ROOT
from bench.report import Section
from bench.stats import median, table, verdict

MIB = 1024 * 1024
MP4_HEAD = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
PIECE = 64 * 1024


@dataclass(frozen=True)
class Options:
    size_mib: int = 512
    runs: int = 3
    chunk_mib: int = 4


QUICK = Options(size_mib=16, runs=1)


@dataclass
class Upload:
    """What the stub saw of one upload session."""

    total_bytes: int
    media_type: str
    category: str
    segments: list[tuple[int, int]] = field(default_factory=list)  # (segment_index, bytes)
    finalized: bool = False
    status_checks: int = 0
    unsigned: int = 0


class Stub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), StubHandler)
        self.uploads: dict[str, Upload] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def new_upload(self, upload: Upload) -> str:
        with self.lock:
            media_id = str(1880028106020515840 + len(self.uploads))
            self.uploads[media_id] = upload
        return media_id


class StubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as X's API does
    server: Stub

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.path == "/2/media/upload/initialize":
            request = json.loads(self.rfile.read(length))
            started = Upload(
                total_bytes=request["total_bytes"],
                media_type=request["media_type"],
                category=request["media_category"],
            )
            self._count_auth(started)
            media_id = self.server.new_upload(started)
            data = {"id": media_id, "media_key": f"13_{media_id}", "expires_after_secs": 86400}
            self._answer({"data": data})
            return
        match = re.fullmatch(r"/2/media/upload/([0-9]+)/(append|finalize)", self.path)
        upload = self.server.uploads.get(match.group(1)) if match else None
        if match is None or upload is None:
            self._discard(length)
            self._answer({"title": "Not Found", "status": 404}, status=404)
            return
        self._count_auth(upload)
        media_id = match.group(1)
        if match.group(2) == "append":
            upload.segments.append(self._segment(length))
            self._answer({"data": {"expires_at": 1767225600}})
            return
        self._discard(length)
        upload.finalized = True
        info = {"state": "pending", "check_after_secs": 1}
        self._answer({"data": self._media(media_id, upload, info)})

    def do_GET(self) -> None:
        media_id = re.search(r"[?&]media_id=([0-9]+)", self.path)
        upload = self.server.uploads.get(media_id.group(1)) if media_id else None
        if media_id is None or upload is None or "command=STATUS" not in self.path:
            self._answer({"title": "Not Found", "status": 404}, status=404)
            return
        self._count_auth(upload)
        upload.status_checks += 1
        info = {"state": "succeeded", "progress_percent": 100}
        data = self._media(media_id.group(1), upload, info)
        self._answer({"data": {**data, "video": {"video_type": upload.media_type}}})
        return

    def _segment(self, length: int) -> tuple[int, int]:
        """(segment_index, bytes of the media part), reading the body in pieces."""
        boundary = self.headers["Content-Type"].split("boundary=", 1)[1].encode()
        head = self.rfile.read(min(length, 1024))
        index = re.search(rb'name="segment_index"\r\n\r\n([0-9]+)\r\n', head)
        media_part = head.find(b'name="media"')
        header_end = head.find(b"\r\n\r\n", media_part) + 4
        tail = b"\r\n--" + boundary + b"--\r\n"
        last = self._discard(length - len(head), keep=head)
        if index is None or media_part < 0 or not last.endswith(tail):
            raise ValueError("not a multipart APPEND body")
        return int(index.group(1)), length - header_end - len(tail)

    def _discard(self, count: int, keep: bytes = b"") -> bytes:
        """Read and drop count bytes; return the last 128 seen."""
        last = keep[-128:]
        while count > 0:
            piece = self.rfile.read(min(PIECE, count))
            if not piece:
                break
            count -= len(piece)
            last = (last + piece)[-128:]
        return last

    def _count_auth(self, upload: Upload) -> None:
        auth = self.headers.get("Authorization", "")
        if not (auth.startswith("OAuth ") and "oauth_signature=" in auth):
            upload.unsigned += 1

    def _media(self, media_id: str, upload: Upload, info: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": media_id,
            "media_key": f"13_{media_id}",
            "size": upload.total_bytes,
            "expires_after_secs": 86400,
            "processing_info": info,
        }

    def _answer(self, body: dict[str, Any], status: int = 200) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@contextmanager
def stub() -> Iterator[Stub]:
    server = Stub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def video(directory: Path, size: int) -> Path:
    """A sparse file: an MP4 header, then zeros up to size; it takes no disk space."""
    path = directory / f"clip-{size // MIB}MiB.mp4"
    with path.open("wb") as f:
        f.write(MP4_HEAD)
        f.truncate(size)
    return path


def upload(server: Stub, path: Path, *, mode: str, chunk_size: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.media_run", "--url", server.url]
    command += ["--file", str(path), "--mode", mode, "--chunk-size", str(chunk_size)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    seen = server.uploads[result["media_id"]]
    indexes = [index for index, _ in seen.segments]
    result["correct"] = (
        result["state"] == "succeeded"
        and seen.total_bytes == path.stat().st_size
        and sum(size for _, size in seen.segments) == seen.total_bytes
        and indexes == list(range(len(indexes)))
        and max(size for _, size in seen.segments) <= chunk_size
        and seen.finalized
        and seen.status_checks == 1
        and seen.unsigned == 0
        and (seen.media_type, seen.category) == ("video/mp4", "tweet_video")
    )
    result["segments"] = len(indexes)
    result["size"] = path.stat().st_size
    result["growth_kib"] = result["max_rss_kib"] - result["rss_before_kib"]
    return result


def run(options: Options) -> Section:
    size, chunk_size = options.size_mib * MIB, options.chunk_mib * MIB
    with tempfile.TemporaryDirectory(prefix="botauth-bench-media-") as tmp, stub() as server:
        big, small = video(Path(tmp), size), video(Path(tmp), max(size // 8, MIB))
        print(f"media: {options.size_mib} MiB, {options.runs} runs per mode", flush=True)
        streamed: list[dict[str, Any]] = []
        whole: list[dict[str, Any]] = []
        for _ in range(options.runs):  # alternated, so both modes see the same machine
            streamed.append(upload(server, big, mode="stream", chunk_size=chunk_size))
            whole.append(upload(server, big, mode="whole", chunk_size=chunk_size))
        smaller = upload(server, small, mode="stream", chunk_size=chunk_size)
    return _section(options, streamed, whole, smaller)


def _row(label: str, results: list[dict[str, Any]]) -> list[object]:
    seconds = median([r["seconds"] for r in results])
    worst = max(results, key=lambda r: r["growth_kib"])
    size, segments = worst["size"], worst["segments"]
    return [
        label,
        f"{size / MIB:.0f} MiB ({segments} segment{'' if segments == 1 else 's'})",
        f"{worst['rss_before_kib'] / 1024:.1f} MiB",
        f"{worst['max_rss_kib'] / 1024:.1f} MiB",
        f"+{worst['growth_kib'] / 1024:.1f} MiB",
        f"{seconds:.2f} s ({size / MIB / seconds:.0f} MiB/s)",
    ]


def _section(
    options: Options,
    streamed: list[dict[str, Any]],
    whole: list[dict[str, Any]],
    smaller: dict[str, Any],
) -> Section:
    size = options.size_mib * MIB
    runs = f"median of {options.runs}" if options.runs > 1 else "1 run"
    rows = [
        _row("`media_upload(path)`: segments read one at a time", streamed),
        _row("`media_upload(path)`, a file 1/8 the size", [smaller]),
        _row("reading the file whole, then `media_upload(file=BytesIO(...))`", whole),
    ]
    results = table(
        [
            "upload",
            "file",
            "peak RSS before",
            "peak RSS after",
            "growth",
            f"upload time ({runs})",
        ],
        rows,
    )
    growth = max(r["growth_kib"] for r in streamed) * 1024
    whole_growth = max(r["growth_kib"] for r in whole) * 1024
    flat = growth <= 8 * options.chunk_mib * MIB
    # The limit is loose (8 segments); what matters is that it does not follow the file's size.
    scale = abs(growth - smaller["growth_kib"] * 1024) <= 2 * options.chunk_mib * MIB
    correct = all(r["correct"] for r in [*streamed, *whole, smaller])
    judged = options.size_mib >= 256
    goals = table(
        ["goal", "measured", ""],
        [
            [
                f"streaming a {options.size_mib} MiB file grows peak RSS by at most 8 segments "
                f"({8 * options.chunk_mib} MiB)",
                f"+{growth / MIB:.1f} MiB ({growth / size:.1%} of the file); reading it whole: "
                f"+{whole_growth / MIB:.1f} MiB",
                verdict(flat) if judged else "not judged below 256 MiB",
            ],
            [
                "growth does not follow the file's size",
                f"+{smaller['growth_kib'] / 1024:.1f} MiB at 1/8 the size, "
                f"+{growth / MIB:.1f} MiB at full size",
                verdict(scale) if judged else "not judged below 256 MiB",
            ],
            [
                "X's shapes: every byte appended once, segments 0..n-1 in order, each at most "
                f"{options.chunk_mib} MiB, signed, finalized, one STATUS",
                "every run" if correct else "NOT every run",
                verdict(correct),
            ],
        ],
    )
    body = (
        f"A sparse {options.size_mib} MiB MP4 uploaded by `BotClient.media_upload` (chunk size "
        f"{options.chunk_mib} MiB) to a loopback stub of X's v2 media endpoints that discards the "
        "bytes; `BOTAUTH_X_API_URL` routes the client there. Each upload is a fresh process; "
        "*peak RSS before* is that process with Python, Django, tweepy and botauth imported, "
        "*growth* what the upload added to it (of the runs, the one with the largest growth). "
        "Upload time includes X's (instant) processing, not the `check_after_secs` wait, which "
        "is counted and skipped.\n\n"
        f"{results}\n\n{goals}\n"
    )
    return Section(title="media", body=body, ok=correct and ((flat and scale) or not judged))
