"""The client_overhead benchmark's stub of X answers in X's shapes (validated against the spec)."""

from __future__ import annotations

import requests

from bench.client_overhead import stub_x
from tests import spec


def test_the_benchmark_stub_answers_like_x():
    with stub_x(0) as base, requests.Session() as session:
        posted = session.post(f"{base}/2/tweets", json={"text": "Hello"}, timeout=10)
        me = session.get(f"{base}/2/users/me", timeout=10)
        missing = session.get(f"{base}/2/nothing", timeout=10)
    assert posted.status_code == 201
    spec.validate("CreatePostsResponse", posted.json())
    assert posted.json()["data"]["text"] == "Hello"
    assert posted.headers["location"].endswith(f"/2/tweets/{posted.json()['data']['id']}")
    assert me.status_code == 200
    spec.validate("GetUsersMeResponse", me.json())
    for answer in (posted, me):
        assert answer.headers["content-type"] == "application/json; charset=utf-8"
        assert answer.headers["x-access-level"] == "read-write"
        assert answer.headers["x-rate-limit-reset"].isdigit()
    assert missing.status_code == 404
    spec.validate_problem(missing.json())
