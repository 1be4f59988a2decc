from __future__ import annotations

import logging

from tests.sandbox.oauth2.conftest import CLIENT_SECRET


def test_the_whole_oauth2_flow_at_debug_logs_no_secret(flow, caplog):
    caplog.set_level(logging.DEBUG)
    code = flow.approve()["code"]
    first = flow.exchange(code).json()
    flow.client.get("/sandbox/2/users/me", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}")
    second = flow.refresh(first["refresh_token"]).json()
    flow.refresh(first["refresh_token"])
    flow.revoke(second["access_token"])

    logged = caplog.text
    assert caplog.records, "nothing was logged: the test would prove nothing"
    for secret in (
        code,
        flow.verifier,
        CLIENT_SECRET,
        first["access_token"],
        first["refresh_token"],
        second["access_token"],
        second["refresh_token"],
    ):
        assert secret not in logged
