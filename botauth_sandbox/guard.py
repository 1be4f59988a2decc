"""The sandbox is a fake X: it serves while DEBUG is on or under tests, never in production."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver

from botauth_sandbox import problems

REFUSED_DETAIL = (
    "The X sandbox serves only while DEBUG is on or under tests; in production, remove "
    "botauth_sandbox from INSTALLED_APPS."
)


def in_test_environment() -> bool:
    """True between setup_test_environment() and teardown_test_environment().

    Django's test runner and pytest-django both call them around a test run, and Django itself
    asks this question the same way (setup_test_environment refuses to run twice by it). Tests
    need the sandbox there although both force DEBUG off. Nothing a served request can send
    changes it, unlike the test client's "testserver" host, and unlike mail.outbox, which the
    locmem e-mail backend also creates outside tests.
    """
    from django.test.utils import _TestState

    return hasattr(_TestState, "saved_data")


def serving_allowed() -> bool:
    return bool(settings.DEBUG) or in_test_environment()


def refused() -> JsonResponse:
    return problems.v2_problem(404, REFUSED_DETAIL)


def development_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer a 404 problem, before the view reads or writes anything, outside development."""

    @wraps(view)
    def guarded_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not serving_allowed():
            return refused()
        return view(request, *args, **kwargs)

    return guarded_view


def guarded(patterns: Iterable[URLPattern | URLResolver]) -> list[URLPattern]:
    """The sandbox's URL patterns with every view made development_only."""
    result: list[URLPattern] = []
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            raise TypeError(f"Only plain views are guarded, not {pattern!r}.")
        result.append(
            URLPattern(
                pattern.pattern,
                development_only(pattern.callback),
                pattern.default_args,
                pattern.name,
            )
        )
    return result
