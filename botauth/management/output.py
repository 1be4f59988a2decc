"""How the reporting commands write outcomes as they come: what every output shares (a count per
result) and the JSON array, one object per line. Each command's table is its own
(verify_output, refresh_output)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Generic, Protocol, TypeVar

from django.core.management.base import OutputWrapper


class Reported(Protocol):
    @property
    def result(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


OutcomeT = TypeVar("OutcomeT", bound=Reported)


class Output(Generic[OutcomeT]):
    """Counts each outcome per result and writes it; ``close()`` ends the output."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out
        self.counts: Counter[str] = Counter()

    def __call__(self, outcome: OutcomeT) -> None:
        self.counts[outcome.result] += 1
        self.write(outcome, first=self.counts.total() == 1)

    def write(self, outcome: OutcomeT, *, first: bool) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """End the output, even after a failure part way."""

    def nothing(self, text: str) -> None:
        """Say that there was no account to report."""
        self.out.write(text)

    def summary(self, text: str, *, err: OutputWrapper, verbosity: int) -> None:
        raise NotImplementedError


class JsonArray(Output[OutcomeT]):
    def write(self, outcome: OutcomeT, *, first: bool) -> None:
        self.out.write(("[" if first else ",") + json.dumps(outcome.as_dict()))

    def close(self) -> None:
        self.out.write("]" if self.counts else "[]")

    def nothing(self, text: str) -> None:
        # The empty array says it; stdout stays one JSON array.
        pass

    def summary(self, text: str, *, err: OutputWrapper, verbosity: int) -> None:
        # stdout stays one JSON array.
        if verbosity > 0:
            err.write(text)
