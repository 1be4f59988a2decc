from __future__ import annotations

import re

import pytest

from botauth_sandbox.models import Post, RateLimitWindow
from tests import spec
from tests.helpers import body

UNSUPPORTED = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
    "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "type": "https://api.twitter.com/2/problems/unsupported-authentication",
    "status": 403,
}


def test_users_me_answers_the_three_default_fields(api, user):
    response = api.get("2/users/me")

    assert body(response) == {
        "data": {"id": user.user_id, "name": "Bot Friend", "username": "botfriend"}
    }
    spec.validate("GetUsersMeResponse", body(response))
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_users_me_honours_user_fields(api, user):
    Post.objects.create(author=user, text="one")

    response = api.get(
        "2/users/me",
        **{"user.fields": "created_at,description,public_metrics,verified,profile_image_url"},
    )

    data = body(response)["data"]
    spec.validate("GetUsersMeResponse", body(response))
    assert set(data) == {
        "id",
        "name",
        "username",
        "created_at",
        "description",
        "public_metrics",
        "verified",
        "profile_image_url",
    }
    assert data["public_metrics"]["tweet_count"] == data["public_metrics"]["post_count"] == 1
    assert data["verified"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["created_at"])


def test_users_me_most_recent_post_in_both_spellings(api, user):
    older = Post.objects.create(author=user, text="older")
    newer = Post.objects.create(author=user, text="newer")

    old_style = api.get(
        "2/users/me",
        **{"user.fields": "most_recent_tweet_id", "expansions": "most_recent_tweet_id"},
    )
    new_style = api.get(
        "2/users/me", **{"expansions": "most_recent_post_id", "post.fields": "created_at"}
    )

    assert body(old_style)["data"]["most_recent_tweet_id"] == newer.post_id
    assert body(old_style)["includes"]["tweets"][0]["id"] == newer.post_id
    assert body(new_style)["data"]["most_recent_post_id"] == newer.post_id
    assert body(new_style)["includes"]["posts"][0]["id"] == newer.post_id
    assert "created_at" in body(new_style)["includes"]["posts"][0]
    spec.validate("GetUsersMeResponse", body(new_style))
    assert older.post_id != newer.post_id


@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        (
            {"user.fields": "id,bogus"},
            "user.fields",
            "The `user.fields` query parameter value [bogus] is not one of [",
        ),
        (
            {"expansions": "pinned_tweet"},
            "expansions",
            "The `expansions` query parameter value [pinned_tweet] is not one of [",
        ),
        (
            {"tweep.fields": "id"},
            "tweep.fields",
            "The query parameter [tweep.fields] is not one of [",
        ),
        (
            {"user.fields": ""},
            "user.fields",
            "The `user.fields` query parameter value [] is not one of [",
        ),
    ],
)
def test_unknown_parameters_and_values_are_400_invalid_request(
    api, user, params, parameter, message
):
    response = api.get("2/users/me", **params)

    assert response.status_code == 400
    problem = body(response)
    assert (problem["title"], problem["type"]) == (
        "Invalid Request",
        "https://api.x.com/2/problems/invalid-request",
    )
    assert problem["detail"] == "One or more parameters to your request was invalid."
    assert list(problem["errors"][0]["parameters"]) == [parameter]
    assert problem["errors"][0]["message"].startswith(message)
    spec.validate_problem(problem)
    assert response["x-access-level"] == "read-write"
    assert RateLimitWindow.objects.get(user=user, resource="2/users/me").used == 1


def test_tweepys_user_fields_are_all_accepted(api, user):
    from tweepy.user import USER_FIELDS

    response = api.get("2/users/me", **{"user.fields": ",".join(USER_FIELDS)})

    assert response.status_code == 200
    spec.validate("GetUsersMeResponse", body(response))


def test_app_only_bearer_on_users_me_is_403_unsupported_authentication(client, user):
    response = client.get("/sandbox/2/users/me", HTTP_AUTHORIZATION="Bearer AAAAAAAAAAAAAAAAAAAAA")

    assert response.status_code == 403
    assert body(response) == UNSUPPORTED
    spec.validate_problem(body(response))
    assert response["Content-Type"] == "application/problem+json"
    assert not RateLimitWindow.objects.exists()


def test_no_auth_on_users_me_is_401(client, user):
    response = client.get("/sandbox/2/users/me")

    assert response.status_code == 401
    spec.validate_problem(body(response))
    assert "x-rate-limit-limit" not in response


def test_user_by_id(api, user, stranger):
    response = api.get(f"2/users/{stranger.user.user_id}", **{"user.fields": "protected"})

    assert response.status_code == 200
    assert body(response) == {
        "data": {
            "id": stranger.user.user_id,
            "name": "Someone Else",
            "protected": False,
            "username": "someoneelse",
        }
    }
    spec.validate("GetUsersByIdResponse", body(response))
    assert response["x-rate-limit-limit"] == "900"
    assert RateLimitWindow.objects.get(user=user).resource == "GET 2/users/:id"


def test_user_by_unknown_id_is_200_with_a_not_found_error(api, user):
    response = api.get("2/users/42")

    assert response.status_code == 200
    assert body(response) == {
        "errors": [
            {
                "value": "42",
                "detail": "Could not find user with id: [42].",
                "title": "Not Found Error",
                "resource_type": "user",
                "parameter": "id",
                "resource_id": "42",
                "type": "https://api.x.com/2/problems/resource-not-found",
            }
        ]
    }
    spec.validate("GetUsersByIdResponse", body(response))


def test_user_by_malformed_id_is_400(api, user):
    response = api.get("2/users/me2")

    assert response.status_code == 400
    spec.validate_problem(body(response))
    assert body(response)["errors"][0]["parameters"] == {"id": ["me2"]}


def test_user_by_username_is_case_insensitive(api, user, stranger):
    response = api.get("2/users/by/username/SomeoneElse")

    assert body(response)["data"]["id"] == stranger.user.user_id
    spec.validate("GetUsersByUsernameResponse", body(response))
    assert response["x-rate-limit-limit"] == "900"


def test_suspended_user_by_username_is_an_error_in_a_200(api, user, stranger):
    stranger.user.suspended = True
    stranger.user.save()

    response = api.get("2/users/by/username/someoneelse")

    assert response.status_code == 200
    error = body(response)["errors"][0]
    assert (error["title"], error["detail"]) == (
        "Forbidden",
        "User has been suspended: [someoneelse].",
    )
    spec.validate("GetUsersByUsernameResponse", body(response))


def test_user_by_unknown_username(api, user):
    response = api.get("2/users/by/username/nobody_here")

    assert body(response)["errors"][0]["detail"] == (
        "Could not find user with username: [nobody_here]."
    )
    spec.validate("GetUsersByUsernameResponse", body(response))


def test_user_by_bad_username_is_400(api, user):
    response = api.get("2/users/by/username/much_too_long_for_x")

    assert response.status_code == 400
    assert body(response)["errors"][0]["message"] == (
        "The `username` query parameter value [much_too_long_for_x] does not match "
        "^[A-Za-z0-9_]{1,15}$"
    )


def test_user_lookup_with_a_bearer_is_401_not_403(client, user):
    response = client.get(f"/sandbox/2/users/{user.user_id}", HTTP_AUTHORIZATION="Bearer AAAA")

    assert response.status_code == 401
    spec.validate_problem(body(response))
