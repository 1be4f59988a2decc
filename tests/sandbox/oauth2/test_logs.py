from __future__ import annotations

from tests.helpers import CLIENT_SECRET
from tests.logs import assert_no_secret_logged, captured, secrets_in


def test_the_whole_oauth2_flow_at_debug_logs_no_secret_through_redact_secrets(flow):
    with captured() as records:
        code = flow.approve()["code"]
        first = flow.exchange(code).json()
        flow.client.get("/sandbox/2/users/me", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}")
        second = flow.refresh(first["refresh_token"]).json()
        flow.refresh(first["refresh_token"])
        flow.revoke(second["access_token"])

    # oauthlib logs the code and refresh tokens at DEBUG: RedactSecrets is what hides them.
    assert set(secrets_in(records, [code, first["refresh_token"]])) == {
        code,
        first["refresh_token"],
    }
    assert_no_secret_logged(
        records,
        [
            code,
            flow.verifier,
            CLIENT_SECRET,
            first["access_token"],
            first["refresh_token"],
            second["access_token"],
            second["refresh_token"],
        ],
    )
