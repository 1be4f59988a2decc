"""Whatever is asked of the sandbox answers JSON in X's formats, never an HTML page."""

from __future__ import annotations

import json
import time

import pytest

from botauth_sandbox.models import AccessToken, Nonce, RateLimitWindow
from botauth_sandbox.xpaths import V2_PATHS
from tests import spec
from tests.helpers import body
from tests.sandbox.signing import signed_get, signed_post


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "2/users/123/followers"),
        ("POST", "2/dm_conversations"),
        ("POST", "1.1/media/upload.json"),
    ],
)
def test_an_x_path_the_sandbox_does_not_serve_is_a_501_problem(client, method, path):
    response = client.generic(method, f"/sandbox/{path}")

    assert response.status_code == 501
    assert response["Content-Type"] == "application/problem+json"
    assert body(response) == {
        "title": "Not Implemented",
        "detail": f"The sandbox does not implement {method} /{path}, an X API endpoint.",
        "type": "about:blank",
        "status": 501,
    }
    spec.validate_problem(body(response))


@pytest.mark.parametrize("path", ["2/nothing", "favicon.ico", "", "2/tweets/1/extra/bits"])
def test_an_unknown_path_is_a_404_problem_naming_it(client, path):
    response = client.get(f"/sandbox/{path}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert body(response)["detail"] == f"The sandbox has no endpoint at GET /{path}."
    spec.validate_problem(body(response))


def test_a_trailing_slash_is_not_redirected_to_an_html_page(client):
    response = client.get("/sandbox/2/users/me/")

    assert response.status_code == 404
    spec.validate_problem(body(response))


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "2/tweets", "POST"),
        ("POST", "2/users/me", "GET"),
        ("DELETE", "2/media/upload", "GET, POST"),
        ("GET", "oauth/access_token", "POST"),
        ("POST", "1.1/account/verify_credentials.json", "GET"),
    ],
)
def test_a_wrong_method_is_a_405_problem(client, method, path, allow):
    response = client.generic(method, f"/sandbox/{path}")

    assert response.status_code == 405
    assert response["Allow"] == allow
    spec.validate_problem(body(response))


def test_the_spec_paths_are_those_of_openapi_json():
    spec_paths = json.loads((spec.SPEC_DIR / "openapi.json").read_text())["paths"]
    expected = tuple(
        (path, " ".join(sorted(m.upper() for m in spec_paths[path] if m != "parameters")))
        for path in sorted(spec_paths)
    )

    assert expected == V2_PATHS


def test_every_json_answer_says_charset_utf_8(api, user):
    response = api.get("2/users/me")

    assert response["Content-Type"] == "application/json; charset=utf-8"


# v1.1 and OAuth endpoints


def test_verify_credentials_without_auth_is_400_code_215(client, user):
    response = client.get("/sandbox/1.1/account/verify_credentials.json")

    assert response.status_code == 400
    assert body(response) == {"errors": [{"code": 215, "message": "Bad Authentication data."}]}
    spec.validate_v1_errors(body(response))
    assert not RateLimitWindow.objects.exists()


def test_verify_credentials_with_a_stale_timestamp_is_401_code_135(client, as_user):
    stale = str(int(time.time()) - 3600)

    response = signed_get(client, "1.1/account/verify_credentials.json", timestamp=stale, **as_user)

    assert response.status_code == 401
    assert body(response) == {"errors": [{"code": 135, "message": "Timestamp out of bounds."}]}
    assert not Nonce.objects.exists()
    assert not RateLimitWindow.objects.exists()


def test_verify_credentials_with_a_bearer_is_403_code_220(client, user):
    response = client.get(
        "/sandbox/1.1/account/verify_credentials.json", HTTP_AUTHORIZATION="Bearer AAAA"
    )

    assert response.status_code == 403
    assert body(response)["errors"][0]["code"] == 220


def test_verify_credentials_answers_v1_content_type(client, as_user):
    response = signed_get(client, "1.1/account/verify_credentials.json", **as_user)

    assert response["Content-Type"] == "application/json;charset=utf-8"
    assert response["x-access-level"] == "read-write"


@pytest.mark.parametrize("path", ["1.1/oauth/invalidate_token.json", "oauth/invalidate_token.json"])
def test_invalidate_token_json_revokes(client, as_user, pair, path):
    response = signed_post(client, path, **as_user)

    assert response.status_code == 200
    assert body(response) == {"access_token": pair.token}
    assert AccessToken.objects.get(pk=pair.pk).revoked


def test_invalidate_token_without_auth_is_code_215_and_revokes_nothing(client, pair):
    response = client.post("/sandbox/1.1/oauth/invalidate_token")

    assert response.status_code == 400
    assert body(response)["errors"][0]["code"] == 215
    assert not AccessToken.objects.get(pk=pair.pk).revoked


def test_a_v2_call_with_a_stale_timestamp_is_401(client, as_user):
    stale = str(int(time.time()) - 3600)

    response = signed_get(client, "2/users/me", timestamp=stale, **as_user)

    assert response.status_code == 401
    spec.validate_problem(body(response))


def test_api_calls_of_an_unknown_consumer_record_no_nonce(client, as_user):
    forged = {**as_user, "key": "no-such-consumer-key"}

    responses = [signed_get(client, "2/users/me", **forged) for _ in range(3)]

    assert [r.status_code for r in responses] == [401, 401, 401]
    assert not Nonce.objects.exists()


def test_api_calls_of_a_known_consumer_record_their_nonce(client, as_user):
    signed_get(client, "2/users/me", **as_user)

    assert Nonce.objects.get().client_key == as_user["key"]


def test_windows_are_counted_per_resource(api, user):
    api.get("2/users/me")
    api.get("2/users/me")
    api.get(f"2/users/{user.user_id}")

    windows = dict(RateLimitWindow.objects.values_list("resource", "used"))

    assert windows == {"2/users/me": 2, "GET 2/users/:id": 1}


def test_a_wrong_method_on_the_consent_page_is_a_json_405(client):
    response = client.put("/sandbox/oauth/authorize?oauth_token=x")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    spec.validate_problem(body(response))
