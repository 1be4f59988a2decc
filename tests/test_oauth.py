from __future__ import annotations

import pytest
import requests

from botauth import oauth
from botauth.exceptions import XRejectedError, XUnavailableError
from tests import xmock


def test_request_token_is_fetched_with_the_callback_and_a_timeout(x):
    xmock.request_token(x)
    token = oauth.fetch_request_token(callback="http://127.0.0.1:8000/botauth/callback/")
    assert token == oauth.RequestToken(token=xmock.REQUEST_TOKEN, secret=xmock.REQUEST_SECRET)
    request = x.calls[0].request
    assert 'oauth_callback="http%3A%2F%2F127.0.0.1%3A8000%2Fbotauth%2Fcallback%2F"' in (
        request.headers["Authorization"].decode()
    )
    assert request.req_kwargs["timeout"] == 10.0


def test_unconfirmed_callback_is_refused(x):
    xmock.request_token(x, confirmed="")
    with pytest.raises(XRejectedError, match="did not confirm the callback"):
        oauth.fetch_request_token(callback="oob")


def test_callback_confirmed_false_is_refused(x):
    xmock.request_token(x, confirmed="false")
    with pytest.raises(XRejectedError, match="oauth_callback_confirmed"):
        oauth.fetch_request_token(callback="oob")


def test_unapproved_callback_shows_x_error(x):
    x.post(
        xmock.REQUEST_TOKEN_URL,
        status=403,
        body='<?xml version="1.0" encoding="UTF-8"?><errors><error code="415">Callback URL '
        "not approved for this client application.</error></errors>",
    )
    with pytest.raises(XRejectedError, match="Callback URL not approved") as info:
        oauth.fetch_request_token(callback="http://127.0.0.1:8000/botauth/callback/")
    assert info.value.status == 403


def test_timeout_is_unavailable(x):
    x.post(xmock.REQUEST_TOKEN_URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(XUnavailableError, match="did not answer in time") as info:
        oauth.fetch_request_token(callback="oob")
    # Wrapped once, where the meaning changes: X's own error is the direct cause.
    assert isinstance(info.value.__cause__, requests.ReadTimeout)


def test_connection_error_is_unavailable(x):
    x.post(xmock.REQUEST_TOKEN_URL, body=requests.ConnectionError("refused"))
    with pytest.raises(XUnavailableError, match="could not be reached"):
        oauth.fetch_request_token(callback="oob")


def test_server_error_is_unavailable(x):
    x.post(xmock.REQUEST_TOKEN_URL, status=503, body="Service Unavailable")
    with pytest.raises(XUnavailableError, match=r"X failed \(503\)"):
        oauth.fetch_request_token(callback="oob")


def test_access_token_keeps_user_id_and_screen_name(x):
    xmock.access_token(x)
    grant = oauth.fetch_access_token(
        request_token=oauth.RequestToken(xmock.REQUEST_TOKEN, xmock.REQUEST_SECRET),
        verifier=xmock.VERIFIER,
    )
    assert (grant.user_id, grant.screen_name) == (xmock.USER_ID, xmock.SCREEN_NAME)
    assert grant.token == xmock.ACCESS_TOKEN
    assert grant.secret == xmock.ACCESS_SECRET
    authorization = x.calls[0].request.headers["Authorization"].decode()
    assert f'oauth_verifier="{xmock.VERIFIER}"' in authorization
    assert f'oauth_token="{xmock.REQUEST_TOKEN}"' in authorization
    assert xmock.ACCESS_SECRET not in repr(grant)


def test_access_token_without_user_id_takes_it_from_the_token_prefix(x):
    x.post(
        xmock.ACCESS_TOKEN_URL,
        body=f"oauth_token={xmock.ACCESS_TOKEN}&oauth_token_secret={xmock.ACCESS_SECRET}"
        f"&screen_name={xmock.SCREEN_NAME}",
    )
    grant = oauth.fetch_access_token(
        request_token=oauth.RequestToken(xmock.REQUEST_TOKEN, xmock.REQUEST_SECRET), verifier="v"
    )
    assert grant.user_id == xmock.USER_ID


def test_wrong_verifier_is_rejected(x):
    xmock.oauth_error(x, xmock.ACCESS_TOKEN_URL)
    with pytest.raises(XRejectedError, match=r"X refused the request \(401\)") as info:
        oauth.fetch_access_token(
            request_token=oauth.RequestToken(xmock.REQUEST_TOKEN, xmock.REQUEST_SECRET),
            verifier="wrong",
        )
    assert info.value.status == 401


def test_authorize_url_forces_login_and_names_the_bot():
    assert oauth.authorize_url("tok", screen_name="newsbot") == (
        "https://api.twitter.com/oauth/authorize?oauth_token=tok&force_login=true&screen_name=newsbot"
    )


def test_invalidate_token_falls_back_to_the_other_path(x):
    x.post(xmock.INVALIDATE_URL, status=404, json={"errors": [{"code": 34}]})
    x.post("https://api.twitter.com/oauth/invalidate_token", json={"access_token": "t"})
    oauth.invalidate_token(access_token="t", access_token_secret="s")
    assert [c.request.url for c in x.calls] == [
        xmock.INVALIDATE_URL,
        "https://api.twitter.com/oauth/invalidate_token",
    ]


def test_invalidate_token_already_invalid_counts_as_revoked(x):
    x.post(
        xmock.INVALIDATE_URL,
        status=401,
        json={"errors": [{"code": 89, "message": "Invalid or expired token."}]},
    )
    oauth.invalidate_token(access_token="t", access_token_secret="s")
    assert len(x.calls) == 1
