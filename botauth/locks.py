"""The lock a refresh of one account holds, wherever its workers run.

Where the database has row locks, a transaction: refresh.py then locks the account's row with
select_for_update, held until the new pair is stored in the same transaction. SQLite has none,
and holding its write lock (transaction_mode=IMMEDIATE) while X answers would stop a sandbox
served from the same database from storing the token it rotates: there a file lock per account
beside the database file (flock, which the kernel releases when a process dies) serialises the
refreshes of the machine, which is every worker SQLite can have.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

try:
    import fcntl
except ImportError:  # Windows: hold the database's write lock instead
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger("botauth")


@contextmanager
def refresh_lock(alias: str, pk: int) -> Iterator[None]:
    """Held by one worker at a time for the account `pk`, on every machine using the database."""
    connection = connections[alias]
    if connection.in_atomic_block:
        logger.warning(
            "Bot account %s is refreshed inside a transaction: its new pair is stored only if that "
            "transaction commits (X has already retired the old one). Call bot code outside "
            "transaction.atomic().",
            pk,
        )
    if connection.features.has_select_for_update:
        # refresh.py locks the row (select_for_update) in it; held until the transaction ends.
        with transaction.atomic(using=connection.alias):
            yield
    elif fcntl is None:
        with transaction.atomic(using=connection.alias):
            yield
    else:
        with _machine_lock(connection, pk):
            yield


def waits_together(alias: str) -> bool:
    """Whether workers waiting for a refresh can wait all at once (PostgreSQL's FOR SHARE)."""
    return connections[alias].vendor == "postgresql"


def share_query(alias: str, table: str, columns: list[str]) -> str:
    """SELECT the row by its pk (the first column), FOR SHARE: it waits until whoever holds the
    row's lock is done, and every waiter holding it wakes at once (FOR SHARE conflicts with the
    refresher's FOR UPDATE, not with another FOR SHARE)."""
    quote = connections[alias].ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    # The names are the model's own, quoted; only the pk is a parameter.
    return f"SELECT {names} FROM {quote(table)} WHERE {quote(columns[0])} = %s FOR SHARE"  # noqa: S608


def holds_row(alias: str) -> bool:
    """Whether refresh_lock(alias, ...) is the row lock, held until the pair is stored."""
    return bool(connections[alias].features.has_select_for_update)


_process_locks: dict[tuple[str, int], threading.Lock] = {}
_process_locks_guard = threading.Lock()


@contextmanager
def _machine_lock(connection: BaseDatabaseWrapper, pk: int) -> Iterator[None]:
    """A lock every process of this machine that opens this SQLite database shares."""
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():  # type: ignore[attr-defined]
        # An in-memory database lives in one process.
        with _process_locks_guard:
            lock = _process_locks.setdefault((name, pk), threading.Lock())
        with lock:
            yield
        return
    folder = Path(f"{name}-botauth-locks")
    folder.mkdir(exist_ok=True)
    # flock (not lockf): it also excludes other threads of this process, each opening the file.
    with (folder / f"refresh-{pk}.lock").open("a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
