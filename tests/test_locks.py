"""The refresh lock on SQLite: a file lock per account that threads and processes share."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from botauth import locks

if getattr(locks, "fcntl", None) is None:
    pytest.skip("flock is POSIX: on Windows SQLite's write lock is held", allow_module_level=True)


class SQLiteFile:
    """What _machine_lock reads of a connection to a SQLite database in a file."""

    def __init__(self, path: Path) -> None:
        self.settings_dict = {"NAME": str(path)}

    def is_in_memory_db(self) -> bool:
        return False


def hold(connection: SQLiteFile, pk: int, events: list[str], name: str, held: threading.Event):
    with locks._machine_lock(connection, pk):  # type: ignore[arg-type]
        events.append(f"{name} in")
        held.set()
        time.sleep(0.3)
        events.append(f"{name} out")


def test_a_second_thread_waits_for_the_first(tmp_path):
    connection = SQLiteFile(tmp_path / "db.sqlite3")
    events: list[str] = []
    held = threading.Event()
    first = threading.Thread(target=hold, args=(connection, 1, events, "first", held))
    first.start()
    held.wait()
    hold(connection, 1, events, "second", threading.Event())
    first.join()
    assert events == ["first in", "first out", "second in", "second out"]
    assert (tmp_path / "db.sqlite3-botauth-locks" / "refresh-1.lock").exists()


def test_another_account_does_not_wait(tmp_path):
    connection = SQLiteFile(tmp_path / "db.sqlite3")
    events: list[str] = []
    held = threading.Event()
    first = threading.Thread(target=hold, args=(connection, 1, events, "first", held))
    first.start()
    held.wait()
    hold(connection, 2, events, "other", threading.Event())
    first.join()
    assert events.index("other in") < events.index("first out")


def test_another_process_waits_and_a_dead_one_lets_go(tmp_path):
    path = tmp_path / "db.sqlite3-botauth-locks" / "refresh-7.lock"
    path.parent.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time\n"
            f"f = open({str(path)!r}, 'a+b'); fcntl.flock(f, fcntl.LOCK_EX)\n"
            "print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        events: list[str] = []
        waiter = threading.Thread(
            target=hold,
            args=(SQLiteFile(tmp_path / "db.sqlite3"), 7, events, "here", threading.Event()),
        )
        waiter.start()
        waiter.join(timeout=1)
        assert events == []  # still waiting for the other process
        holder.kill()  # a process that dies holding the lock releases it
        waiter.join(timeout=10)
        assert events == ["here in", "here out"]
    finally:
        holder.kill()
        holder.wait()
