"""One staff user's browser, driven with requests: log in, link a bot account end to end.

Redirects are followed by hand, so each step of a link flow is timed and its status kept.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

import requests

TIMEOUT = 120
# What a server's close of an idle keep-alive connection looks like when a request is sent on it.
STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
STEPS = ("login", "start", "consent_page", "approve", "callback", "admin_page")


class FlowFailed(Exception):
    pass


@dataclass
class Flow:
    steps: dict[str, float] = field(default_factory=dict)
    statuses: list[int] = field(default_factory=list)
    error: str = ""
    resent: int = 0

    @property
    def total(self) -> float:
        return sum(self.steps.values())


class Browser:
    def __init__(self, app: str) -> None:
        self.app = app
        self.session = requests.Session()
        self.statuses: list[int] = []
        self.resent = 0

    def _send(self, method: str, url: str, data: dict[str, str] | None = None) -> requests.Response:
        if data is not None:
            data = {"csrfmiddlewaretoken": self.session.cookies.get("csrftoken") or "", **data}
        for attempt in range(2):
            try:
                response = self.session.request(
                    method,
                    url,
                    data=data,
                    headers={"Referer": url},
                    allow_redirects=False,
                    timeout=TIMEOUT,
                )
            except requests.ConnectionError as err:
                # gunicorn closes keep-alive connections idle for 2 s; a browser that sent on
                # one as it closed resends once on a new connection, and so do we (counted).
                if attempt or not _stale(err):
                    raise
                self.resent += 1
                continue
            self.statuses.append(response.status_code)
            return response
        raise AssertionError("unreachable")

    def _expect(self, response: requests.Response, status: int) -> requests.Response:
        if response.status_code != status:
            raise FlowFailed(
                f"{response.request.method} {response.url} answered {response.status_code}, "
                f"expected {status}"
            )
        return response

    def _location(self, response: requests.Response) -> str:
        return urljoin(response.url, self._expect(response, 302).headers["Location"])

    def login(self, username: str, password: str) -> None:
        url = f"{self.app}/admin/login/"
        self._expect(self._send("GET", url), 200)
        data = {"username": username, "password": password, "next": "/admin/"}
        self._location(self._send("POST", url, data))

    def post(self, path: str) -> requests.Response:
        return self._send("POST", f"{self.app}{path}", {})

    def link(self, pk: int, *, x_username: str, password: str = "", username: str = "") -> Flow:
        """Link bot account `pk` to the sandbox X user `x_username`; log in first if given."""
        flow = Flow()
        first, resent = len(self.statuses), self.resent
        started = time.perf_counter()

        def lap(step: str) -> None:
            nonlocal started
            now = time.perf_counter()
            flow.steps[step] = now - started
            started = now

        try:
            if username:
                self.login(username, password)
                lap("login")
            consent = self._location(self.post(f"/botauth/link/{pk}/"))
            lap("start")
            self._expect(self._send("GET", consent), 200)
            lap("consent_page")
            approve = {"username": x_username, "action": "authorize"}
            callback = self._location(self._send("POST", consent, approve))
            lap("approve")
            change = self._location(self._send("GET", callback))
            lap("callback")
            page = self._expect(self._send("GET", change), 200)
            lap("admin_page")
            if f"Linked @{x_username}" not in page.text:
                raise FlowFailed(f"the admin page does not say “Linked @{x_username}”")
        except (FlowFailed, requests.RequestException) as err:
            step = next(s for s in STEPS if s not in flow.steps and (username or s != "login"))
            flow.error = f"{step}: {type(err).__name__}: {err}"
        flow.statuses = self.statuses[first:]
        flow.resent = self.resent - resent
        return flow


def _stale(err: requests.ConnectionError) -> bool:
    cause = err.args[0] if err.args else None
    reason = cause.args[1] if isinstance(cause, Exception) and len(cause.args) > 1 else None
    return isinstance(reason, STALE_CONNECTION)
