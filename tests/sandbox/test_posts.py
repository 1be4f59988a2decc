from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from botauth_sandbox.models import Media, Post, RateLimitWindow
from tests import spec
from tests.helpers import body
from tests.sandbox.signing import authorization

INVALID_REQUEST = "https://api.x.com/2/problems/invalid-request"


def image(user, **fields) -> Media:
    defaults = {
        "owner": user,
        "media_category": "tweet_image",
        "media_type": "image/png",
        "total_bytes": 100,
        "received_bytes": 100,
        "state": "succeeded",
    }
    return Media.objects.create(**{**defaults, **fields})


# POST /2/tweets


def test_create_post_answers_201_with_location_and_stores_it(api, user):
    response = api.post("2/tweets", {"text": "Hello from the sandbox"})

    post = Post.objects.get()
    assert response.status_code == 201
    assert body(response) == {
        "data": {
            "edit_history_tweet_ids": [post.post_id],
            "id": post.post_id,
            "text": "Hello from the sandbox",
        }
    }
    spec.validate("CreatePostsResponse", body(response))
    assert response["location"] == f"http://testserver/sandbox/2/tweets/{post.post_id}"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["x-access-level"] == "read-write"
    assert response["x-rate-limit-limit"] == "100"
    assert response["x-rate-limit-remaining"] == "99"
    assert (post.author, post.text, post.media_ids) == (user, "Hello from the sandbox", [])
    assert post.post_id.isdigit() and len(post.post_id) == 19
    assert RateLimitWindow.objects.get(user=user).resource == "POST 2/tweets"


def test_create_post_with_media_attaches_it(api, user):
    first, second = image(user), image(user)

    response = api.post(
        "2/tweets",
        {"text": "two pictures", "media": {"media_ids": [first.media_id, second.media_id]}},
    )

    assert response.status_code == 201
    spec.validate("CreatePostsResponse", body(response))
    assert Post.objects.get().media_ids == [first.media_id, second.media_id]


def test_media_alone_needs_no_text(api, user):
    picture = image(user)

    response = api.post("2/tweets", {"media": {"media_ids": [picture.media_id]}})

    assert response.status_code == 201
    assert body(response)["data"]["text"] == ""
    assert Post.objects.get().media_ids == [picture.media_id]


def test_reply_and_quote_are_stored(api, user):
    parent = Post.objects.create(author=user, text="parent")
    quoted = Post.objects.create(author=user, text="quoted")

    response = api.post(
        "2/tweets",
        {
            "text": "a reply quoting",
            "reply": {"in_reply_to_tweet_id": parent.post_id},
            "quote_tweet_id": quoted.post_id,
        },
    )

    assert response.status_code == 201
    reply = Post.objects.get(text="a reply quoting")
    assert (reply.in_reply_to_id, reply.quote_of_id) == (parent.post_id, quoted.post_id)


def test_reply_to_a_missing_post_is_xs_403(api, user):
    response = api.post("2/tweets", {"text": "hi", "reply": {"in_reply_to_tweet_id": "12345"}})

    assert response.status_code == 403
    assert body(response) == {
        "detail": "You attempted to reply to a Tweet that is deleted or not visible to you.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }
    spec.validate_problem(body(response))
    assert not Post.objects.exists()


def test_quote_of_a_missing_post_is_403(api, user):
    response = api.post("2/tweets", {"text": "hi", "quote_tweet_id": "12345"})

    assert response.status_code == 403
    spec.validate_problem(body(response))
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        (
            {"text": "hi", "status": "v1.1 style"},
            "$.status: is not defined in the schema and the schema does not allow additional "
            "properties",
        ),
        ({"text": 5}, "$.text: integer found, string expected"),
        (
            {"text": "hi", "quote_tweet_id": "abc"},
            "$.quote_tweet_id: does not match the regex pattern ^[0-9]{1,19}$",
        ),
        (
            {"text": "hi", "media": {"media_ids": []}},
            "$.media.media_ids: there must be a minimum of 1 items in the array",
        ),
        (
            {"text": "hi", "media": {"media_ids": ["1", "2", "3", "4", "5"]}},
            "$.media.media_ids: there must be a maximum of 4 items in the array",
        ),
        (
            {"text": "hi", "reply": {}},
            "$.reply.in_reply_to_tweet_id: is missing but it is required",
        ),
        (
            {"text": "hi", "reply_settings": "everyone"},
            "$.reply_settings: does not have a value in the enumeration "
            "[following, mentionedUsers, subscribers, verified]",
        ),
        ({}, "$.text: is missing but it is required unless media is provided"),
        ({"text": ""}, "$.text: is missing but it is required unless media is provided"),
    ],
)
def test_a_body_against_the_spec_is_400_invalid_request(api, user, request_body, message):
    response = api.post("2/tweets", request_body)

    assert response.status_code == 400
    assert body(response) == {
        "errors": [{"message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": INVALID_REQUEST,
    }
    spec.validate_problem(body(response))
    assert response["x-rate-limit-remaining"] == "99"
    assert not Post.objects.exists()


def test_a_body_that_is_not_json_is_400(api, user):
    response = api.client.generic(
        "POST",
        "/sandbox/2/tweets",
        b"text=hi",
        "application/json",
        **_auth(api, "POST", "2/tweets"),
    )

    assert response.status_code == 400
    spec.validate_problem(body(response))
    assert not Post.objects.exists()


def test_280_weighted_characters_pass_and_281_do_not(api, user):
    fits = api.post("2/tweets", {"text": "a" * 280})
    too_long = api.post("2/tweets", {"text": "b" * 281})

    assert fits.status_code == 201
    assert too_long.status_code == 400
    assert body(too_long)["errors"][0]["message"] == (
        "Your Tweet text is too long. For more information on how Twitter determines text length "
        "see https://github.com/twitter/twitter-text."
    )
    spec.validate_problem(body(too_long))
    assert list(Post.objects.values_list("text", flat=True)) == ["a" * 280]


def test_text_length_counts_like_twitter_text():
    from botauth_sandbox.posts import weighted_length

    assert weighted_length("héllo") == 5
    assert weighted_length("日本") == 4  # CJK weighs 2
    assert weighted_length("see https://example.com/" + "x" * 100) == 4 + 23
    assert weighted_length("e\u0301") == 1  # NFC first


def test_duplicate_text_is_xs_403(api, user):
    api.post("2/tweets", {"text": "same words"})

    response = api.post("2/tweets", {"text": "same words"})

    assert response.status_code == 403
    assert body(response) == {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
    }
    assert Post.objects.count() == 1


def test_same_text_a_day_later_is_not_a_duplicate(api, user):
    Post.objects.create(author=user, text="daily", created_at=timezone.now() - timedelta(days=2))

    response = api.post("2/tweets", {"text": "daily"})

    assert response.status_code == 201
    assert Post.objects.filter(text="daily").count() == 2


@pytest.mark.parametrize(
    "state_or_owner", ["someone else's", "pending", "uploading", "failed", "expired", "unknown"]
)
def test_media_that_cannot_be_attached_is_400(api, user, stranger, state_or_owner):
    if state_or_owner == "someone else's":
        media_id = image(stranger.user).media_id
    elif state_or_owner == "expired":
        media_id = image(user, created_at=timezone.now() - timedelta(days=2)).media_id
    elif state_or_owner == "unknown":
        media_id = "1234567890"
    else:
        media_id = image(user, state=state_or_owner).media_id

    response = api.post("2/tweets", {"text": "with media", "media": {"media_ids": [media_id]}})

    assert response.status_code == 400
    assert body(response)["errors"] == [
        {"parameters": {"media.media_ids": [media_id]}, "message": "Your media IDs are invalid."}
    ]
    spec.validate_problem(body(response))
    assert not Post.objects.exists()


def test_media_shared_through_additional_owners_can_be_attached(api, user, stranger):
    shared = image(stranger.user, additional_owners=[user.user_id])

    response = api.post("2/tweets", {"text": "shared", "media": {"media_ids": [shared.media_id]}})

    assert response.status_code == 201
    assert Post.objects.get().media_ids == [shared.media_id]


def test_a_video_cannot_go_with_other_media(api, user):
    video = image(user, media_category="tweet_video", media_type="video/mp4")
    picture = image(user)

    response = api.post(
        "2/tweets", {"text": "mixed", "media": {"media_ids": [video.media_id, picture.media_id]}}
    )

    assert response.status_code == 400
    assert not Post.objects.exists()


def test_editing_is_a_501_problem(api, user):
    response = api.post("2/tweets", {"text": "edit", "edit_options": {"previous_post_id": "1"}})

    assert response.status_code == 501
    spec.validate_problem(body(response))
    assert not Post.objects.exists()


def test_read_only_user_posting_gets_xs_403(api, user):
    user.access_level = "read"
    user.save()

    response = api.post("2/tweets", {"text": "can I?"})

    assert response.status_code == 403
    assert body(response) == {
        "title": "Forbidden",
        "status": 403,
        "detail": "Your client app is not configured with the appropriate oauth1 app permissions "
        "for this endpoint.",
        "type": "https://api.twitter.com/2/problems/oauth1-permissions",
    }
    spec.validate_problem(body(response))
    assert response["x-access-level"] == "read"
    assert response["x-rate-limit-remaining"] == "100"
    assert not Post.objects.exists()
    assert not RateLimitWindow.objects.exists()


def test_revoked_token_posting_gets_401(api, user, pair):
    pair.revoked = True
    pair.save()

    response = api.post("2/tweets", {"text": "revoked"})

    assert response.status_code == 401
    assert body(response) == {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    assert "x-rate-limit-limit" not in response
    assert not Post.objects.exists()


def test_suspended_user_posting_gets_403(api, user):
    user.suspended = True
    user.save()

    response = api.post("2/tweets", {"text": "suspended"})

    assert response.status_code == 403
    spec.validate_problem(body(response))
    assert "suspended" in body(response)["detail"]
    assert not Post.objects.exists()


def test_the_101st_post_in_a_window_gets_429(api, user, app):
    RateLimitWindow.objects.create(
        app=app,
        user=user,
        resource="POST 2/tweets",
        resets_at=timezone.now() + timedelta(minutes=10),
        used=100,
    )

    response = api.post("2/tweets", {"text": "one too many"})

    assert response.status_code == 429
    spec.validate_problem(body(response))
    assert (response["x-rate-limit-limit"], response["x-rate-limit-remaining"]) == ("100", "0")
    assert not Post.objects.exists()


def test_app_only_bearer_posting_gets_unsupported_authentication(client, user):
    response = client.post(
        "/sandbox/2/tweets", {"text": "x"}, "application/json", HTTP_AUTHORIZATION="Bearer AAAA"
    )

    assert response.status_code == 403
    assert body(response)["type"] == "https://api.twitter.com/2/problems/unsupported-authentication"
    assert not Post.objects.exists()


# GET /2/tweets/{id}


def test_get_post_answers_default_fields(api, user):
    post = Post.objects.create(author=user, text="look at me")

    response = api.get(f"2/tweets/{post.post_id}")

    assert response.status_code == 200
    assert body(response) == {
        "data": {"id": post.post_id, "text": "look at me", "edit_history_tweet_ids": [post.post_id]}
    }
    spec.validate("GetPostsByIdResponse", body(response))
    assert response["x-rate-limit-limit"] == "900"


def test_get_post_honours_tweet_fields_and_expansions(api, user):
    picture = image(user, width=640, height=480)
    parent = Post.objects.create(author=user, text="parent")
    post = Post.objects.create(
        author=user, text="reply", media_ids=[picture.media_id], in_reply_to_id=parent.post_id
    )

    response = api.get(
        f"2/tweets/{post.post_id}",
        **{
            "tweet.fields": "author_id,created_at,conversation_id,public_metrics,attachments",
            "expansions": "author_id,attachments.media_keys,referenced_tweets.id",
            "user.fields": "created_at",
        },
    )

    data = body(response)["data"]
    includes = body(response)["includes"]
    spec.validate("GetPostsByIdResponse", body(response))
    assert data["author_id"] == user.user_id
    assert data["conversation_id"] == parent.post_id
    assert data["referenced_tweets"] == [{"type": "replied_to", "id": parent.post_id}]
    assert data["attachments"] == {"media_keys": [f"3_{picture.media_id}"]}
    assert data["public_metrics"]["reply_count"] == 0
    assert data["created_at"].endswith("Z")
    assert includes["users"][0]["username"] == "botfriend"
    assert "created_at" in includes["users"][0]
    assert includes["tweets"][0]["id"] == parent.post_id
    assert includes["media"] == [
        {"media_key": f"3_{picture.media_id}", "type": "photo", "width": 640, "height": 480}
    ]


def test_get_post_in_the_post_spelling_answers_in_it(api, user):
    parent = Post.objects.create(author=user, text="parent")
    post = Post.objects.create(author=user, text="reply", in_reply_to_id=parent.post_id)

    response = api.get(
        f"2/tweets/{post.post_id}",
        **{"post.fields": "public_metrics", "expansions": "referenced_posts"},
    )

    spec.validate("GetPostsByIdResponse", body(response))
    assert body(response)["data"]["edit_history_post_ids"] == [post.post_id]
    assert body(response)["data"]["referenced_posts"][0]["id"] == parent.post_id
    assert body(response)["includes"]["posts"][0]["id"] == parent.post_id


def test_get_missing_post_is_200_with_xs_not_found_error(api, user):
    response = api.get("2/tweets/1234567")

    assert response.status_code == 200
    assert body(response) == {
        "errors": [
            {
                "value": "1234567",
                "detail": "Could not find tweet with id: [1234567].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "id",
                "resource_id": "1234567",
                "type": "https://api.x.com/2/problems/resource-not-found",
            }
        ]
    }
    spec.validate("GetPostsByIdResponse", body(response))


def test_unknown_tweet_field_is_400_invalid_request(api, user):
    post = Post.objects.create(author=user, text="x")

    response = api.get(f"2/tweets/{post.post_id}", **{"tweet.fields": "id,bogus"})

    assert response.status_code == 400
    assert body(response)["errors"][0]["parameters"] == {"tweet.fields": ["bogus"]}
    assert body(response)["errors"][0]["message"].startswith(
        "The `tweet.fields` query parameter value [bogus] is not one of ["
    )
    spec.validate_problem(body(response))


def test_non_numeric_post_id_is_400(api, user):
    response = api.get("2/tweets/abc")

    assert response.status_code == 400
    assert body(response)["errors"] == [
        {
            "parameters": {"id": ["abc"]},
            "message": "The `id` query parameter value [abc] does not match ^[0-9]{1,19}$",
        }
    ]


# DELETE /2/tweets/{id}


def test_delete_own_post_removes_it(api, user):
    post = Post.objects.create(author=user, text="bye")

    response = api.delete(f"2/tweets/{post.post_id}")

    assert response.status_code == 200
    assert body(response) == {"data": {"deleted": True}}
    spec.validate("DeletePostsResponse", body(response))
    assert response["x-rate-limit-limit"] == "50"
    assert not Post.objects.exists()


def test_delete_someone_elses_post_is_403_and_keeps_it(api, user, stranger):
    theirs = Post.objects.create(author=stranger.user, text="mine")

    response = api.delete(f"2/tweets/{theirs.post_id}")

    assert response.status_code == 403
    spec.validate_problem(body(response))
    assert Post.objects.filter(pk=theirs.pk).exists()


def test_delete_missing_post_is_404(api, user):
    response = api.delete("2/tweets/1234567")

    assert response.status_code == 404
    spec.validate_problem(body(response))
    assert body(response)["detail"] == "Could not find tweet with id: [1234567]."


def test_deleted_post_is_gone_from_lookups(api, user):
    post = Post.objects.create(author=user, text="soon gone")
    api.delete(f"2/tweets/{post.post_id}")

    response = api.get(f"2/tweets/{post.post_id}")

    assert body(response)["errors"][0]["resource_id"] == post.post_id


def test_put_on_a_post_is_a_json_405(api, user):
    response = api.client.put("/sandbox/2/tweets/1")

    assert response.status_code == 405
    assert response["Allow"] == "GET, DELETE"
    spec.validate_problem(body(response))


def _auth(api, method, path):
    return {"HTTP_AUTHORIZATION": authorization(path, method=method, **api.oauth)}
