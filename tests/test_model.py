from __future__ import annotations

import pytest
import responses
import tweepy

from botauth.exceptions import NotLinkedError
from botauth.models import BotAccount
from botauth.transport import XSession, route
from tests import xmock
from tests.helpers import make_linked


def test_str_and_repr_never_show_tokens(db):
    account = make_linked("quiet")
    text = str(account) + repr(account) + str(BotAccount.objects.all())
    assert "accesstokenquiet" not in text
    assert "accesssecretquiet" not in text
    assert str(account) == "quiet (@twitterapi)"
    assert repr(account) == f"<BotAccount pk={account.pk} name='quiet' status='linked'>"


def test_get_tweepy_client_carries_the_pairs_and_bearer_token(db, settings):
    settings.TWITTER_API_BEARER_TOKEN = "bearer-123"
    client = make_linked("poster").get_tweepy_client(wait_on_rate_limit=False)
    assert isinstance(client, tweepy.Client)
    assert (client.consumer_key, client.consumer_secret) == (
        "test-consumer-key",
        "test-consumer-secret",
    )
    assert client.access_token == f"{xmock.USER_ID}-accesstokenposter"
    assert client.access_token_secret == "accesssecretposter"
    assert client.bearer_token == "bearer-123"
    assert isinstance(client.session, XSession)


def test_get_tweepy_client_requests_have_a_default_timeout(db, x):
    xmock.users_me(x)
    make_linked("timed").get_tweepy_client().get_me(user_auth=True)
    assert x.calls[0].request.req_kwargs["timeout"] == 10.0


def test_get_tweepy_client_timeout_can_be_given(db, x):
    xmock.users_me(x)
    response = make_linked("timed2").get_tweepy_client(timeout=3).get_me(user_auth=True)
    assert response.data.username == xmock.SCREEN_NAME
    assert x.calls[0].request.req_kwargs["timeout"] == 3


def test_get_tweepy_client_signs_as_the_bot(db, x):
    xmock.users_me(x)
    make_linked("signer").get_tweepy_client().get_me(user_auth=True)
    authorization = x.calls[0].request.headers["Authorization"]
    assert f'oauth_token="{xmock.USER_ID}-accesstokensigner"' in authorization
    assert 'oauth_consumer_key="test-consumer-key"' in authorization


def test_unlinked_account_raises_not_linked(db):
    account = BotAccount.objects.create(name="fresh")
    with pytest.raises(NotLinkedError, match=r"Bot account 'fresh' is not linked to X"):
        account.get_tweepy_client()
    with pytest.raises(NotLinkedError):
        account.get_tweepy_api()


def test_get_tweepy_api_is_v1_with_timeout(db, x):
    x.get(
        "https://api.twitter.com/1.1/account/verify_credentials.json",
        json={"id": 6253282, "id_str": "6253282", "screen_name": "twitterapi", "name": "X API"},
    )
    api = make_linked("media").get_tweepy_api()
    assert isinstance(api, tweepy.API)
    assert api.verify_credentials().screen_name == "twitterapi"
    assert x.calls[0].request.req_kwargs["timeout"] == 10.0


def test_route_leaves_x_alone_by_default(settings):
    assert route("https://api.twitter.com/2/users/me") == "https://api.twitter.com/2/users/me"


def test_route_sends_both_x_hosts_to_the_configured_base(settings):
    settings.BOTAUTH_X_API_URL = "http://127.0.0.1:8000/sandbox/"
    assert route("https://api.twitter.com/oauth/request_token") == (
        "http://127.0.0.1:8000/sandbox/oauth/request_token"
    )
    assert route("https://upload.twitter.com/1.1/media/upload.json") == (
        "http://127.0.0.1:8000/sandbox/1.1/media/upload.json"
    )
    assert (
        route("https://api.twitter.com.evil.example/x") == "https://api.twitter.com.evil.example/x"
    )


def test_routed_client_signs_the_url_it_really_requests(db, settings):
    settings.BOTAUTH_X_API_URL = "http://sandbox.test/sandbox"
    with responses.RequestsMock() as rsps:
        rsps.get(
            "http://sandbox.test/sandbox/2/users/me",
            json={"data": {"id": "1", "name": "n", "username": "u"}},
        )
        make_linked("routed").get_tweepy_client().get_me(user_auth=True)
        assert rsps.calls[0].request.url == "http://sandbox.test/sandbox/2/users/me"
