"""What a benchmark hands back, and RESULTS.md: machine, date, command, then each section."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.environment import POSTGRES


@dataclass(frozen=True)
class Section:
    title: str
    body: str
    ok: bool

    def markdown(self) -> str:
        return f"## {self.title}\n\n{self.body}\n"

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> Section:
        return cls(**json.loads(path.read_text()))


SETUP = (
    "Setup common to every benchmark: settings from environment variables only, "
    "`DJANGO_SETTINGS_MODULE=bench.settings` (the project's settings, `DEBUG` off, botauth "
    "pointed at the sandbox by `BOTAUTH_X_API_URL`; the sandbox server with `DEBUG` on, as it "
    "serves only then, and rate limits not enforced; an MD5 password hasher so logins do not "
    "measure PBKDF2), "
    "persistent PostgreSQL connections (`DATABASE_URL=...?conn_max_age=600`), gunicorn with "
    "`project/gunicorn.conf.py`; clients, servers and PostgreSQL share the machine.\n"
)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _postgres_version() -> str:
    try:
        out = subprocess.run(
            ["psql", f"{POSTGRES}/postgres", "-Atc", "SHOW server_version"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip()


def machine() -> str:
    import django
    import gunicorn  # type: ignore[import-untyped]
    import tweepy

    from bench.stats import table

    rows = [
        ("CPU", f"{_cpu_model()}, {_nproc()} cores (nproc)"),
        ("memory", _memory()),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("Django", django.get_version()),
        ("PostgreSQL", _postgres_version()),
        ("gunicorn / tweepy", f"{gunicorn.__version__} / {tweepy.__version__}"),
    ]
    return table(["", ""], rows)


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def results_document(sections: list[Section], *, command: str, seconds: float) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "# Benchmark results\n",
        "Measured by `bench/` (what each number means: [README.md](README.md)). "
        "Every figure below comes from the one run described here; ratios compare "
        "measurements taken side by side in that run.\n",
        f"- date: {date}\n- command: `{command}` (total {seconds / 60:.1f} min)\n"
        f"- Python executable: `{sys.executable}`\n",
        SETUP,
        "## Machine\n",
        machine() + "\n",
        *(section.markdown() for section in sections),
    ]
    return "\n".join(parts)
