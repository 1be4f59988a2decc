"""OAuth 2.0 settings: the Client ID pair, the scopes, the default protocol, routing, sandbox."""

from __future__ import annotations

import pytest
from django.core.checks import Error, Warning
from django.utils import translation

from botauth import conf, transport
from botauth.checks import check_settings
from botauth.exceptions import BotauthConfigurationError
from tests import xmock_oauth2 as x2

ALL_SCOPES = "tweet.read tweet.write users.read offline.access media.write"


def ids(messages) -> list[str]:
    return [m.id for m in messages]


@pytest.fixture
def oauth2_only(settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.TWITTER_CONSUMER_API_KEY_SECRET = ""
    settings.TWITTER_CLIENT_ID = x2.CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = x2.CLIENT_SECRET


def test_oauth2_alone_is_enough(oauth2_only):
    assert check_settings() == []


def test_both_protocols_may_be_configured(settings):
    settings.TWITTER_CLIENT_ID = x2.CLIENT_ID
    settings.TWITTER_CLIENT_SECRET = x2.CLIENT_SECRET
    assert check_settings() == []


def test_e001_when_no_protocol_is_configured(settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.TWITTER_CONSUMER_API_KEY_SECRET = ""
    messages = check_settings()
    assert ids(messages) == ["botauth.E001"]
    assert "TWITTER_CLIENT_ID and TWITTER_CLIENT_SECRET (OAuth 2.0)" in messages[0].msg
    assert "BOTAUTH_SANDBOX" in str(messages[0].hint)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("TWITTER_CLIENT_ID", "TWITTER_CLIENT_SECRET"),
        ("TWITTER_CLIENT_SECRET", "TWITTER_CLIENT_ID"),
    ],
)
def test_e020_half_set_oauth2_pair_beside_a_working_oauth1(settings, given, missing):
    setattr(settings, given, "value")
    messages = check_settings()
    assert ids(messages) == ["botauth.E020"]
    assert isinstance(messages[0], Error)
    assert messages[0].msg == f"{given} is set but {missing} is not: OAuth 2.0 cannot be used."
    assert "developer portal" in str(messages[0].hint)


def test_e020_with_nothing_else_configured_comes_with_e001(settings):
    settings.TWITTER_CONSUMER_API_KEY = ""
    settings.TWITTER_CONSUMER_API_KEY_SECRET = ""
    settings.TWITTER_CLIENT_ID = x2.CLIENT_ID
    assert ids(check_settings()) == ["botauth.E001", "botauth.E020"]


def test_e021_half_set_oauth1_pair_beside_a_working_oauth2(oauth2_only, settings):
    settings.TWITTER_CONSUMER_API_KEY = "key"
    messages = check_settings()
    assert ids(messages) == ["botauth.E021"]
    assert messages[0].msg == (
        "TWITTER_CONSUMER_API_KEY is set but TWITTER_CONSUMER_API_KEY_SECRET is not: OAuth 1.0a "
        "cannot be used."
    )


@pytest.mark.parametrize(
    ("scopes", "lacking"),
    [
        ("tweet.read users.read offline.access media.write", "without tweet.write it cannot post"),
        (
            "tweet.read tweet.write users.read offline.access",
            "without media.write it cannot upload media",
        ),
        (
            "tweet.read tweet.write users.read media.write",
            "without offline.access it cannot refresh its token",
        ),
        (["tweet.read", "tweet.write", "offline.access", "media.write"], "without users.read"),
    ],
)
def test_w020_scopes_lacking_what_a_posting_bot_needs(oauth2_only, settings, scopes, lacking):
    settings.BOTAUTH_OAUTH2_SCOPES = scopes
    messages = check_settings()
    assert ids(messages) == ["botauth.W020"]
    assert isinstance(messages[0], Warning)
    assert lacking in messages[0].msg
    assert ALL_SCOPES in str(messages[0].hint)


def test_no_scope_warning_without_oauth2(settings):
    settings.BOTAUTH_OAUTH2_SCOPES = "tweet.read"
    assert check_settings() == []


@pytest.mark.parametrize("scopes", ["tweet.read,tweet.write", "Tweet.Read", "tweet.read <x>"])
def test_e022_names_that_are_not_scopes(oauth2_only, settings, scopes):
    settings.BOTAUTH_OAUTH2_SCOPES = scopes
    messages = check_settings()
    assert ids(messages) == ["botauth.E022"]
    assert "are not X scopes" in messages[0].msg


def test_e022_scopes_of_the_wrong_type(oauth2_only, settings):
    settings.BOTAUTH_OAUTH2_SCOPES = 42
    messages = check_settings()
    assert ids(messages) == ["botauth.E022"]
    assert "must be a space-separated string or a list" in messages[0].msg


def test_e022_in_german(oauth2_only, settings):
    settings.BOTAUTH_OAUTH2_SCOPES = 42
    with translation.override("de"):
        messages = check_settings()
    assert ids(messages) == ["botauth.E022"]
    assert messages[0].msg == (
        "BOTAUTH_OAUTH2_SCOPES muss ein durch Leerzeichen getrennter String oder eine Liste von "
        "Scope-Namen von X sein, nicht int."
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", tuple(ALL_SCOPES.split())),
        (None, tuple(ALL_SCOPES.split())),
        ("  tweet.read   users.read tweet.read ", ("tweet.read", "users.read")),
        (["tweet.read", " users.read "], ("tweet.read", "users.read")),
        ((), tuple(ALL_SCOPES.split())),
    ],
)
def test_scopes_setting_forms(settings, value, expected):
    settings.BOTAUTH_OAUTH2_SCOPES = value
    assert conf.oauth2_scopes() == expected


def test_scopes_default_when_unset(settings):
    del settings.BOTAUTH_OAUTH2_SCOPES
    assert conf.oauth2_scopes() == tuple(ALL_SCOPES.split())


def test_client_credentials_name_the_settings(settings):
    settings.TWITTER_CLIENT_SECRET = ""
    with pytest.raises(BotauthConfigurationError, match="Set TWITTER_CLIENT_ID and TWITTER_CLIENT"):
        conf.client_credentials()


@pytest.mark.parametrize(("client_id", "expected"), [("", "oauth1"), (x2.CLIENT_ID, "oauth2")])
def test_the_default_protocol_follows_the_client_id(settings, client_id, expected):
    settings.TWITTER_CLIENT_ID = client_id
    assert conf.default_protocol() == expected


@pytest.mark.parametrize(
    ("url", "routed"),
    [
        ("https://api.twitter.com/2/users/me", "http://sandbox.test/sandbox/2/users/me"),
        ("https://api.x.com/2/oauth2/token", "http://sandbox.test/sandbox/2/oauth2/token"),
        ("https://api.x.com/2/oauth2/revoke", "http://sandbox.test/sandbox/2/oauth2/revoke"),
        (
            "https://x.com/i/oauth2/authorize?state=s",
            "http://sandbox.test/sandbox/i/oauth2/authorize?state=s",
        ),
        ("https://upload.twitter.com/1.1/x", "http://sandbox.test/sandbox/1.1/x"),
        ("https://x.community/i/oauth2/authorize", "https://x.community/i/oauth2/authorize"),
        ("https://example.com/2/users/me", "https://example.com/2/users/me"),
    ],
)
def test_every_x_origin_routes_to_the_sandbox(settings, url, routed):
    settings.BOTAUTH_X_API_URL = "http://sandbox.test/sandbox/"
    assert transport.route(url) == routed


@pytest.mark.parametrize("base", ["https://api.twitter.com", "https://api.x.com", ""])
def test_x_itself_reroutes_nothing(settings, base):
    settings.BOTAUTH_X_API_URL = base
    for url in ("https://x.com/i/oauth2/authorize", "https://api.x.com/2/oauth2/token"):
        assert transport.route(url) == url


def test_sandbox_client_follows_the_settings(settings):
    from botauth_sandbox.keys import derive_oauth2_client

    settings.BOTAUTH_SANDBOX = True
    assert conf.sandbox_client() == derive_oauth2_client(settings.SECRET_KEY)
    assert conf.client_credentials() == derive_oauth2_client(settings.SECRET_KEY)
    settings.TWITTER_CLIENT_ID = "real-id"
    assert conf.sandbox_client() is None
    settings.BOTAUTH_SANDBOX = False
    settings.TWITTER_CLIENT_ID = ""
    assert conf.sandbox_client() is None
