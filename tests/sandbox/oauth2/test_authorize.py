from __future__ import annotations

from botauth_sandbox.models import OAuth2Grant, SandboxUser
from tests.helpers import POSTING, REDIRECT, challenge_of, sha256
from tests.sandbox.signing import query


def test_consent_page_is_labelled_sandbox_and_lists_the_scopes(flow):
    response = flow.client.get(flow.authorize_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "SANDBOX" in html
    assert "Test bot app" in html
    for scope in POSTING.split():
        assert f"<code>{scope}</code>" in html
    assert 'name="username"' in html
    assert 'value="authorize">Authorize app</button>' in html
    assert 'value="cancel">Cancel</button>' in html
    assert not OAuth2Grant.objects.exists()


def test_approval_redirects_with_code_and_state_and_stores_the_grant(flow):
    response = flow.client.post(flow.authorize_url(), {"username": "newbot", "action": "authorize"})

    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT + "?")
    params = query(response["Location"])
    assert set(params) == {"code", "state"}
    assert params["state"] == flow.state
    grant = OAuth2Grant.objects.get()
    assert grant.code_digest == sha256(params["code"])
    assert params["code"] not in str(list(OAuth2Grant.objects.values_list()))
    assert (grant.user.username, grant.app.name) == ("newbot", "Test bot app")
    assert (grant.scopes, grant.redirect_uri) == (POSTING, REDIRECT)
    assert (grant.code_challenge, grant.code_challenge_method) == (
        challenge_of(flow.verifier),
        "S256",
    )
    assert (grant.code_used, grant.revoked) == (False, False)


def test_approval_signs_in_an_existing_user_case_insensitively(flow, user):
    flow.approve("@BotFriend")

    assert OAuth2Grant.objects.get().user == user
    assert SandboxUser.objects.count() == 1


def test_the_api_host_path_of_the_spec_serves_the_same_consent(flow):
    response = flow.client.get(flow.authorize_url(path="/sandbox/2/oauth2/authorize"))

    assert response.status_code == 200
    assert "Test bot app" in response.content.decode()


def test_cancel_redirects_with_access_denied_and_the_state(flow):
    response = flow.client.post(flow.authorize_url(), {"action": "cancel"})

    assert response.status_code == 302
    assert response["Location"] == f"{REDIRECT}?error=access_denied&state={flow.state}"
    assert not OAuth2Grant.objects.exists()
    assert not SandboxUser.objects.exists()


def test_plain_challenge_is_accepted_as_x_allows(flow):
    params = flow.approve(code_challenge=flow.verifier, code_challenge_method="plain")

    assert "code" in params
    assert OAuth2Grant.objects.get().code_challenge_method == "plain"


def test_a_state_of_500_characters_is_accepted(flow):
    params = flow.approve(state="s" * 500)

    assert params["state"] == "s" * 500


def test_invalid_username_shows_the_form_again(flow):
    response = flow.client.post(
        flow.authorize_url(), {"username": "not a handle!", "action": "authorize"}
    )

    assert response.status_code == 400
    assert 'id="error"' in response.content.decode()
    assert not OAuth2Grant.objects.exists()


def test_suspended_user_cannot_authorize(flow, user):
    SandboxUser.objects.filter(pk=user.pk).update(suspended=True)

    response = flow.client.post(
        flow.authorize_url(), {"username": "botfriend", "action": "authorize"}
    )

    assert response.status_code == 403
    assert "suspended" in response.content.decode()
    assert not OAuth2Grant.objects.exists()


def _refused(flow, message: str, **params: str | None) -> None:
    for response in (
        flow.client.get(flow.authorize_url(**params)),
        flow.client.post(flow.authorize_url(**params), {"action": "cancel"}),
        flow.client.post(flow.authorize_url(**params), {"username": "x", "action": "authorize"}),
    ):
        assert response.status_code == 400
        assert not response.has_header("Location")
        assert "Invalid authorization request" in response.content.decode()
        assert message in response.content.decode()
    assert not OAuth2Grant.objects.exists()
    assert not SandboxUser.objects.exists()


def test_unknown_client_id_gets_an_error_page_never_a_redirect(flow):
    _refused(flow, "is not the Client ID", client_id="unknown-client-id")


def test_missing_client_id_gets_an_error_page(flow):
    _refused(flow, "is not the Client ID", client_id=None)


def test_redirect_uri_not_in_the_callback_list_gets_an_error_page(flow):
    _refused(flow, "callback URL list", redirect_uri="https://evil.example/callback")


def test_redirect_uri_differing_by_a_trailing_slash_gets_an_error_page(flow):
    _refused(flow, "callback URL list", redirect_uri=REDIRECT.rstrip("/"))


def test_missing_redirect_uri_gets_an_error_page(flow):
    _refused(flow, "Missing required parameter [redirect_uri].", redirect_uri=None)


def test_oob_is_no_oauth2_redirect_uri(flow, app):
    app.callback_urls = ""
    app.save()

    _refused(flow, "callback URL list", redirect_uri="oob")


def test_missing_state_gets_an_error_page(flow):
    _refused(flow, "Missing required parameter [state].", state=None)


def test_state_longer_than_500_characters_gets_an_error_page(flow):
    _refused(flow, "state is 501 characters long; X allows at most 500.", state="s" * 501)


def test_unknown_scope_gets_an_error_page(flow):
    _refused(flow, "scope must list X&#x27;s OAuth 2.0 scopes", scope="tweet.read tweet.everything")


def test_missing_scope_gets_an_error_page(flow):
    _refused(flow, "scope must list X&#x27;s OAuth 2.0 scopes", scope=None)


def test_missing_code_challenge_gets_an_error_page(flow):
    _refused(flow, "Missing required parameter [code_challenge].", code_challenge=None)


def test_missing_code_challenge_method_gets_an_error_page(flow):
    _refused(
        flow, "Missing required parameter [code_challenge_method].", code_challenge_method=None
    )


def test_unknown_code_challenge_method_gets_an_error_page(flow):
    _refused(flow, "code_challenge_method must be S256 or plain.", code_challenge_method="S512")


def test_response_type_other_than_code_gets_an_error_page(flow):
    _refused(flow, "response_type must be code.", response_type="token")
