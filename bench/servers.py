"""gunicorn processes serving the project (botauth, the sandbox) with project/gunicorn.conf.py."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.environment import OUT, ROOT, sandbox_env

GUNICORN = Path(sys.executable).parent / "gunicorn"


@dataclass(frozen=True)
class Server:
    name: str
    base: str
    access_log: Path
    log: Path
    pid: int = 0  # the gunicorn master's

    def worker_boots(self) -> int:
        """Workers started: more than configured means one died (e.g. WORKER TIMEOUT)."""
        return self.log.read_text().count("Booting worker")

    def statuses(self) -> Counter[int]:
        """Status codes gunicorn logged, e.g. to count 5xx the clients did not see."""
        counts: Counter[int] = Counter()
        if not self.access_log.exists():
            return counts
        for line in self.access_log.read_text().splitlines():
            # Default format: ... "GET /path HTTP/1.1" 200 123 "referer" "agent"
            after = line.split('" ', 1)[1] if '" ' in line else ""
            code = after.split(" ", 1)[0]
            if code.isdigit():
                counts[int(code)] += 1
        return counts


@contextmanager
def gunicorn(
    name: str,
    env: dict[str, str],
    *,
    port: int,
    workers: int,
    threads: int,
    access_log: bool = False,
) -> Iterator[Server]:
    OUT.mkdir(exist_ok=True)
    log = OUT / f"{name}.log"
    access_path = OUT / f"{name}.access.log"
    access_path.unlink(missing_ok=True)
    env = {
        **env,
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESSLOG": str(access_path) if access_log else "",
    }
    command = [str(GUNICORN), "-c", "project/gunicorn.conf.py", "project.wsgi"]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(
        name=name,
        base=f"http://127.0.0.1:{port}",
        access_log=access_path,
        log=log,
        pid=process.pid,
    )
    try:
        _wait_until_up(server, process, log)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def app_and_sandbox(
    name: str,
    env: dict[str, str],
    *,
    app_port: int,
    sandbox_port: int,
    app: tuple[int, int],
    sandbox: tuple[int, int],
) -> Iterator[tuple[Server, Server]]:
    """botauth and the sandbox it calls, each its own gunicorn: (workers, threads) each."""
    with (
        gunicorn(
            f"{name}-sandbox",
            sandbox_env(env),
            port=sandbox_port,
            workers=sandbox[0],
            threads=sandbox[1],
            access_log=True,
        ) as sandbox_server,
        gunicorn(
            f"{name}-app", env, port=app_port, workers=app[0], threads=app[1], access_log=True
        ) as app_server,
    ):
        yield app_server, sandbox_server


def _wait_until_up(server: Server, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server.name} exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            requests.get(f"{server.base}/admin/login/", timeout=2)
        except requests.RequestException:
            time.sleep(0.2)
            continue
        return
    raise RuntimeError(f"{server.name} did not answer within 60 s; see {log}")
