"""What a test may assert about logs: botauth's own lines, and everything through RedactSecrets."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from botauth.log import RedactSecrets

FORMAT = logging.Formatter("%(levelname)s %(name)s %(message)s")


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(logging.makeLogRecord(record.__dict__))


@contextmanager
def captured() -> Iterator[list[logging.LogRecord]]:
    """Every record at DEBUG and above, copied as logged: before any of the project's handlers
    (a RedactSecrets among them) rewrites it, and whatever levels its LOGGING sets."""
    root, botauth = logging.getLogger(), logging.getLogger("botauth")
    levels = root.level, botauth.level
    recorder = _Recorder()
    root.handlers.insert(0, recorder)
    root.setLevel(logging.DEBUG)
    botauth.setLevel(logging.DEBUG)
    try:
        yield recorder.records
    finally:
        root.removeHandler(recorder)
        root.setLevel(levels[0])
        botauth.setLevel(levels[1])


def text_of(record: logging.LogRecord) -> str:
    """The record as a handler would write it, exception and stack included."""
    return FORMAT.format(logging.makeLogRecord(record.__dict__))


def is_botauths(record: logging.LogRecord) -> bool:
    return record.name == "botauth" or record.name.startswith(("botauth.", "botauth_sandbox"))


def secrets_in(records: Iterable[logging.LogRecord], secrets: Iterable[str]) -> dict[str, str]:
    """{secret: the first logger that wrote it} over these records as they were logged."""
    found: dict[str, str] = {}
    texts = [(record.name, text_of(record)) for record in records]
    for secret in secrets:
        for name, text in texts:
            if secret in text:
                found.setdefault(secret, name)
    return found


def redacted(records: Iterable[logging.LogRecord]) -> list[logging.LogRecord]:
    """Copies of the records as a handler with botauth.log.RedactSecrets attached passes them on."""
    copies = [logging.makeLogRecord(record.__dict__) for record in records]
    redact = RedactSecrets()
    assert all(redact.filter(copy) for copy in copies)
    return copies


def assert_no_secret_logged(records: list[logging.LogRecord], secrets: list[str]) -> None:
    """botauth's own lines hold no secret at all; with RedactSecrets, no line of anyone's does."""
    assert secrets_in([r for r in records if is_botauths(r)], secrets) == {}
    assert secrets_in(redacted(records), secrets) == {}
