from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from botauth_sandbox.bodies import HEAD_BYTES, DigestingUploadHandler
from botauth_sandbox.models import Media, Post, RateLimitWindow
from tests import spec
from tests.helpers import body, png

MIB = 1024 * 1024


def part(data: bytes, name: str = "blob.bin") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# One-shot POST /2/media/upload


def test_multipart_image_upload_answers_id_key_and_size(api, user):
    picture = png(640, 480, padding=1000)

    response = api.multipart(
        "2/media/upload", {"media": part(picture, "cat.png"), "media_category": "tweet_image"}
    )

    media = Media.objects.get()
    assert response.status_code == 200
    assert body(response) == {
        "data": {
            "id": media.media_id,
            "media_key": f"3_{media.media_id}",
            "size": len(picture),
            "expires_after_secs": body(response)["data"]["expires_after_secs"],
            "image": {"image_type": "image/png", "w": 640, "h": 480},
        }
    }
    assert 86000 < body(response)["data"]["expires_after_secs"] <= 86400
    spec.validate("MediaUploadResponse", body(response))
    assert response["x-rate-limit-limit"] == "500"
    assert response["x-access-level"] == "read-write"
    assert (media.owner, media.media_category, media.state) == (user, "tweet_image", "succeeded")
    assert (media.total_bytes, media.received_bytes, media.digest) == (
        len(picture),
        len(picture),
        sha(picture),
    )
    assert (media.width, media.height) == (640, 480)


def test_json_base64_image_upload(api, user):
    picture = png(10, 20)

    response = api.post(
        "2/media/upload",
        {"media": base64.b64encode(picture).decode(), "media_category": "tweet_image"},
    )

    assert response.status_code == 200
    spec.validate("MediaUploadResponse", body(response))
    media = Media.objects.get()
    assert (media.digest, media.width, media.height) == (sha(picture), 10, 20)


def test_json_upload_bigger_than_djangos_data_upload_limit_is_read(api, user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    picture = png(padding=3 * MIB)

    response = api.post(
        "2/media/upload",
        {"media": base64.b64encode(picture).decode(), "media_category": "tweet_image"},
    )

    assert response.status_code == 200
    assert Media.objects.get().total_bytes == len(picture)


def test_image_over_5_mib_is_refused(api, user):
    response = api.multipart(
        "2/media/upload",
        {"media": part(png(padding=5 * MIB)), "media_category": "tweet_image"},
    )

    assert response.status_code == 400
    assert body(response)["errors"][0]["message"] == "File size exceeds 5242880 bytes."
    spec.validate_problem(body(response))
    assert not Media.objects.exists()


def test_one_shot_video_is_sent_to_the_chunked_upload(api, user):
    response = api.multipart(
        "2/media/upload", {"media": part(b"\x00" * 100), "media_category": "tweet_video"}
    )

    assert response.status_code == 400
    assert "initialize, append, finalize" in body(response)["errors"][0]["message"]
    assert not Media.objects.exists()


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ({"media": "AAAA"}, "$.media_category: is missing but it is required"),
        (
            {"media": "AAAA", "media_category": "tweet_image", "alt_text": "x"},
            "$.alt_text: is not defined in the schema and the schema does not allow additional "
            "properties",
        ),
        (
            {"media": "AAAA", "media_category": "photo"},
            "$.media_category: does not have a value in the enumeration",
        ),
    ],
)
def test_json_upload_body_is_checked_against_the_spec(api, user, request_body, message):
    response = api.post("2/media/upload", request_body)

    assert response.status_code == 400
    assert body(response)["errors"][0]["message"].startswith(message)
    spec.validate_problem(body(response))
    assert not Media.objects.exists()


def test_json_upload_that_is_not_base64_is_400(api, user):
    response = api.post("2/media/upload", {"media": "not base64!", "media_category": "tweet_image"})

    assert response.status_code == 400
    assert not Media.objects.exists()


def test_read_only_user_cannot_upload(api, user):
    user.access_level = "read"
    user.save()

    response = api.multipart(
        "2/media/upload", {"media": part(png()), "media_category": "tweet_image"}
    )

    assert response.status_code == 403
    assert body(response)["type"] == "https://api.twitter.com/2/problems/oauth1-permissions"
    assert not Media.objects.exists()


def test_upload_without_auth_is_401_and_stores_nothing(client, user):
    response = client.post(
        "/sandbox/2/media/upload", {"media": part(png()), "media_category": "tweet_image"}
    )

    assert response.status_code == 401
    assert not Media.objects.exists()


# Chunked: initialize, append, finalize, STATUS


def initialize(api, total: int, media_type: str = "video/mp4", category: str = "tweet_video"):
    response = api.post(
        "2/media/upload/initialize",
        {"media_type": media_type, "total_bytes": total, "media_category": category},
    )
    assert response.status_code == 200, response.content
    return body(response)["data"]["id"]


def append(api, media_id: str, index: int, data: bytes):
    return api.multipart(
        f"2/media/upload/{media_id}/append", {"segment_index": str(index), "media": part(data)}
    )


def status(api, media_id: str):
    return api.get("2/media/upload", command="STATUS", media_id=media_id)


def test_chunked_video_goes_pending_in_progress_succeeded(api, user):
    first, second = b"\x00\x00\x00\x18ftypmp42" + b"a" * 1000, b"b" * 500
    init = api.post(
        "2/media/upload/initialize",
        {"media_type": "video/mp4", "total_bytes": 1512, "media_category": "tweet_video"},
    )
    media_id = body(init)["data"]["id"]

    appended = [append(api, media_id, 0, first), append(api, media_id, 1, second)]
    finalized = api.post(f"2/media/upload/{media_id}/finalize")
    polls = [status(api, media_id), status(api, media_id), status(api, media_id)]

    spec.validate("InitializeMediaUploadResponse", body(init))
    assert body(init)["data"]["media_key"] == f"7_{media_id}"
    assert init["x-rate-limit-limit"] == "1875"
    for response in appended:
        assert response.status_code == 200
        spec.validate("AppendMediaUploadResponse", body(response))
        assert body(response)["data"]["expires_at"] > 0
    spec.validate("FinalizeMediaUploadResponse", body(finalized))
    assert body(finalized)["data"]["size"] == 1512
    assert body(finalized)["data"]["processing_info"] == {
        "state": "pending",
        "progress_percent": 0,
        "check_after_secs": 1,
    }
    states = [body(poll)["data"]["processing_info"]["state"] for poll in polls]
    assert states == ["in_progress", "succeeded", "succeeded"]
    for poll in polls:
        spec.validate("GetMediaUploadStatusResponse", body(poll))
        assert poll["x-rate-limit-limit"] == "1000"
    assert body(polls[1])["data"]["video"] == {"video_type": "video/mp4"}
    assert "check_after_secs" not in body(polls[1])["data"]["processing_info"]
    media = Media.objects.get()
    assert (media.state, media.received_bytes, media.total_bytes) == ("succeeded", 1512, 1512)
    assert media.segments == {"0": [len(first), sha(first)], "1": [len(second), sha(second)]}
    assert media.digest == sha((sha(first) + sha(second)).encode())


def test_segments_may_arrive_out_of_order(api, user):
    media_id = initialize(api, 6)
    append(api, media_id, 1, b"def")
    append(api, media_id, 0, b"abc")

    response = api.post(f"2/media/upload/{media_id}/finalize")

    assert response.status_code == 200
    assert Media.objects.get().state == "pending"


def test_a_segment_sent_again_replaces_the_first(api, user):
    media_id = initialize(api, 3)
    append(api, media_id, 0, b"xxxxxxxx")
    append(api, media_id, 0, b"abc")

    response = api.post(f"2/media/upload/{media_id}/finalize")

    assert response.status_code == 200
    assert Media.objects.get().received_bytes == 3


def test_total_bytes_mismatch_at_finalize_is_400(api, user):
    media_id = initialize(api, 10)
    append(api, media_id, 0, b"12345")

    response = api.post(f"2/media/upload/{media_id}/finalize")

    assert response.status_code == 400
    assert body(response)["errors"] == [
        {
            "parameters": {"media_id": [media_id]},
            "message": "Segments do not add up to provided total file size.",
        }
    ]
    spec.validate_problem(body(response))
    assert Media.objects.get().state == "uploading"


def test_a_gap_in_segments_is_400_at_finalize(api, user):
    media_id = initialize(api, 6)
    append(api, media_id, 0, b"abc")
    append(api, media_id, 2, b"def")

    response = api.post(f"2/media/upload/{media_id}/finalize")

    assert response.status_code == 400
    assert Media.objects.get().state == "uploading"


def test_a_segment_over_5_mib_is_400(api, user):
    media_id = initialize(api, 6 * MIB)

    response = append(api, media_id, 0, b"\x00" * (5 * MIB + 1))

    assert response.status_code == 400
    assert body(response)["errors"][0]["message"] == "Segment size exceeds 5242880 bytes."
    assert Media.objects.get().segments == {}


def test_segment_index_over_999_is_400(api, user):
    media_id = initialize(api, 6)

    response = append(api, media_id, 1000, b"abc")

    assert response.status_code == 400
    assert Media.objects.get().segments == {}


def test_a_segment_larger_than_djangos_memory_limits_streams_through(api, user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    data = b"\x07" * (3 * MIB)
    media_id = initialize(api, len(data))

    response = append(api, media_id, 0, data)

    assert response.status_code == 200
    assert Media.objects.get().segments == {"0": [len(data), sha(data)]}


def test_json_append_with_base64(api, user):
    media_id = initialize(api, 3)

    response = api.post(
        f"2/media/upload/{media_id}/append",
        {"segment_index": 0, "media": base64.b64encode(b"abc").decode()},
    )

    assert response.status_code == 200
    assert Media.objects.get().segments == {"0": [3, sha(b"abc")]}


def test_appending_to_someone_elses_upload_is_400(api, user, stranger):
    media_id = initialize(stranger, 3)

    response = append(api, media_id, 0, b"abc")

    assert response.status_code == 400
    assert Media.objects.get().segments == {}


def test_appending_after_finalize_is_400(api, user):
    media_id = initialize(api, 3)
    append(api, media_id, 0, b"abc")
    api.post(f"2/media/upload/{media_id}/finalize")

    response = append(api, media_id, 0, b"xyz")

    assert response.status_code == 400
    assert Media.objects.get().segments == {"0": [3, sha(b"abc")]}


@pytest.mark.parametrize(
    ("media_type", "category", "total"),
    [
        ("video/mp4", "tweet_video", 512 * MIB + 1),
        ("image/gif", "tweet_gif", 15 * MIB + 1),
        ("image/png", "tweet_image", 5 * MIB + 1),
    ],
)
def test_initialize_refuses_sizes_over_the_category_limit(api, user, media_type, category, total):
    response = api.post(
        "2/media/upload/initialize",
        {"media_type": media_type, "total_bytes": total, "media_category": category},
    )

    assert response.status_code == 400
    assert body(response)["errors"][0]["message"] == f"File size exceeds {total - 1} bytes."
    assert not Media.objects.exists()


def test_initialize_refuses_a_type_the_category_cannot_take(api, user):
    response = api.post(
        "2/media/upload/initialize",
        {"media_type": "image/png", "total_bytes": 10, "media_category": "tweet_video"},
    )

    assert response.status_code == 400
    assert not Media.objects.exists()


def test_initialize_infers_the_category_from_the_type(api, user):
    initialize(api, 10, media_type="image/gif", category="tweet_gif")
    response = api.post("2/media/upload/initialize", {"media_type": "video/mp4", "total_bytes": 10})

    assert response.status_code == 200
    assert list(Media.objects.values_list("media_category", flat=True)) == [
        "tweet_gif",
        "tweet_video",
    ]


def test_chunked_image_succeeds_at_finalize_without_processing(api, user):
    picture = png(8, 9)
    media_id = initialize(api, len(picture), media_type="image/png", category="tweet_image")
    append(api, media_id, 0, picture)

    response = api.post(f"2/media/upload/{media_id}/finalize")

    data = body(response)["data"]
    assert "processing_info" not in data
    assert data["image"] == {"image_type": "image/png", "w": 8, "h": 9}
    assert Media.objects.get().state == "succeeded"


def test_processing_fails_for_a_flagged_user(api, user):
    user.media_processing_fails = True
    user.save()
    media_id = initialize(api, 3)
    append(api, media_id, 0, b"abc")
    api.post(f"2/media/upload/{media_id}/finalize")

    states = [body(status(api, media_id))["data"]["processing_info"]["state"] for _ in range(2)]

    assert states == ["in_progress", "failed"]
    assert Media.objects.get().state == "failed"


def test_status_before_finalize_is_400(api, user):
    media_id = initialize(api, 3)

    response = status(api, media_id)

    assert response.status_code == 400
    assert Media.objects.get().state == "uploading"


def test_status_of_unknown_media_is_400(api, user):
    response = status(api, "123456")

    assert response.status_code == 400
    spec.validate_problem(body(response))


def test_status_without_media_id_is_400(api, user):
    response = api.get("2/media/upload", command="STATUS")

    assert response.status_code == 400


def test_a_processing_video_cannot_be_posted_until_it_succeeds(api, user):
    media_id = initialize(api, 3)
    append(api, media_id, 0, b"abc")
    api.post(f"2/media/upload/{media_id}/finalize")

    early = api.post("2/tweets", {"text": "video!", "media": {"media_ids": [media_id]}})
    status(api, media_id)
    status(api, media_id)
    later = api.post("2/tweets", {"text": "video!", "media": {"media_ids": [media_id]}})

    assert (early.status_code, later.status_code) == (400, 201)
    assert Post.objects.get().media_ids == [media_id]


# The command dialect of X's quickstart


def test_command_dialect_init_append_finalize_status(api, user):
    data = b"z" * 2048
    init = api.multipart(
        "2/media/upload",
        {
            "command": "INIT",
            "media_type": "video/mp4",
            "total_bytes": str(len(data)),
            "media_category": "amplify_video",
        },
    )
    media_id = body(init)["data"]["id"]
    appended = api.multipart(
        "2/media/upload",
        {"command": "APPEND", "media_id": media_id, "segment_index": "0", "media": part(data)},
    )
    finalized = api.multipart("2/media/upload", {"command": "FINALIZE", "media_id": media_id})
    polled = [status(api, media_id), status(api, media_id)]

    spec.validate("InitializeMediaUploadResponse", body(init))
    assert body(init)["data"]["media_key"] == f"13_{media_id}"
    spec.validate("AppendMediaUploadResponse", body(appended))
    spec.validate("FinalizeMediaUploadResponse", body(finalized))
    assert body(finalized)["data"]["processing_info"]["state"] == "pending"
    assert body(polled[-1])["data"]["processing_info"]["state"] == "succeeded"
    assert init["x-rate-limit-limit"] == "500"
    media = Media.objects.get()
    assert (media.media_category, media.digest) == ("amplify_video", sha(sha(data).encode()))
    assert RateLimitWindow.objects.get(user=user, resource="POST 2/media/upload").used == 3


def test_command_dialect_accepts_form_encoded_init(api, user):
    response = api.form(
        "2/media/upload",
        {"command": "INIT", "media_type": "image/gif", "total_bytes": "100"},
    )

    assert response.status_code == 200
    assert Media.objects.get().media_category == "tweet_gif"


def test_command_dialect_refuses_an_unknown_command(api, user):
    response = api.multipart("2/media/upload", {"command": "STATUS", "media_id": "1"})

    assert response.status_code == 400
    assert not Media.objects.exists()


def test_command_dialect_refuses_a_field_of_another_command(api, user):
    response = api.multipart(
        "2/media/upload", {"command": "FINALIZE", "media_id": "1", "total_bytes": "3"}
    )

    assert response.status_code == 400


# What the sandbox keeps of the bytes


def test_the_upload_handler_keeps_a_digest_and_the_head_only():
    handler = DigestingUploadHandler()
    handler.new_file("media", "video.mp4", "video/mp4", None)
    chunks = [bytes([n]) * (256 * 1024) for n in range(8)]

    kept = [handler.receive_data_chunk(chunk, 0) for chunk in chunks]
    digested = handler.file_complete(sum(map(len, chunks)))

    assert kept == [None] * 8  # nothing passed on to Django's other handlers
    assert digested is not None
    assert digested.received.size == 2 * MIB
    assert digested.received.sha256 == sha(b"".join(chunks))
    assert digested.received.head == chunks[0][:HEAD_BYTES]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (png(640, 480), ("image/png", 640, 480)),
        (b"\x89PNG\r\n\x1a\n" + b"\xff" * 40, None),  # no IHDR: not an image X would take
        (b"GIF89a" + struct.pack("<HH", 12, 34), ("image/gif", 12, 34)),
        (
            b"\xff\xd8\xff\xe0\x00\x04ab\xff\xc0\x00\x11\x08" + struct.pack(">HH", 70, 90),
            ("image/jpeg", 90, 70),
        ),
        (b"\x00\x00\x00\x18ftypmp42", None),
    ],
)
def test_image_headers_are_read_for_their_size(head, expected):
    from botauth_sandbox.images import sniff

    info = sniff(head)

    assert (None if info is None else (info.image_type, info.width, info.height)) == expected


def test_a_body_parsed_before_the_view_is_still_digested(rf, user):
    from botauth_sandbox.bodies import form

    data = b"\x01" * 5000
    request = rf.post("/sandbox/2/media/upload", {"media": part(data), "segment_index": "0"})
    request.POST  # a middleware got there first, with Django's own handlers

    received = form(request).media()

    assert received is not None
    assert (received.size, received.sha256, received.head) == (len(data), sha(data), data)
