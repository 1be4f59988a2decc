from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import responses
import tweepy
from responses import matchers

from botauth import media, mediatypes
from botauth.client import BotClient
from botauth.exceptions import (
    MediaError,
    MediaProcessingError,
    MediaProcessingTimeoutError,
    MediaTooLargeError,
    UnsupportedMediaError,
    XRejectedError,
    XUnavailableError,
)
from botauth.media import MIB, Media
from botauth.models import BotAccount
from tests import spec, xmedia, xmock
from tests.logs import assert_no_secret_logged, captured
from tests.xmedia import MEDIA_ID, MEDIA_KEY, urls

SECRET = "accesssecretlinkedbot"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(linked: BotAccount, sleeps: list[float]) -> BotClient:
    return linked.get_tweepy_client(sleep=sleeps.append)


def write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def sparse(tmp_path: Path, name: str, head: bytes, size: int) -> str:
    path = tmp_path / name
    with path.open("wb") as f:
        f.write(head)
        f.truncate(size)
    return str(path)


def paths(x) -> list[tuple[str, str]]:
    return [(c.request.method, c.request.url) for c in x.calls]


# One-shot upload


def test_a_small_image_goes_in_one_multipart_request(client, x, tmp_path):
    x.post(xmedia.UPLOAD_URL, json=xmedia.one_shot_answer(size=len(xmedia.PNG)))
    uploaded = client.media_upload(write(tmp_path, "chart.png", xmedia.PNG))

    assert uploaded == Media(
        media_id=MEDIA_ID,
        media_key=MEDIA_KEY,
        size=len(xmedia.PNG),
        expires_after_secs=86400,
        image={"image_type": "image/png", "w": 16, "h": 16},
    )
    assert paths(x) == [("POST", xmedia.UPLOAD_URL)]
    request = x.calls[0].request
    assert xmedia.multipart(request) == [
        ("media_category", None, None, b"tweet_image"),
        ("media", "chart.png", "image/png", xmedia.PNG),
    ]
    assert request.req_kwargs["timeout"] == 10.0


def test_the_multipart_body_is_not_signed(client, x, tmp_path):
    x.post(xmedia.UPLOAD_URL, json=xmedia.one_shot_answer(size=len(xmedia.PNG)))
    client.media_upload(write(tmp_path, "chart.png", xmedia.PNG))
    request = x.calls[0].request

    assert f'oauth_token="{xmock.USER_ID}-accesstokenlinkedbot"' in request.headers["Authorization"]
    assert xmedia.oauth1_signature_valid(request, token_secret=SECRET)
    # As the sandbox does it: oauthlib given the raw body finds no form parameters in it.
    raw = request.body.decode("utf-8", "replace")
    assert xmedia.oauth1_signature_valid(request, token_secret=SECRET, body=raw)
    # Signing the form fields (what RFC 5849 forbids for multipart) gives another signature.
    signed_fields = [("media_category", "tweet_image")]
    assert not xmedia.oauth1_signature_valid(request, token_secret=SECRET, body=signed_fields)
    assert not xmedia.oauth1_signature_valid(request, token_secret="wrong")


def test_subtitles_are_told_by_extension_and_go_in_one_request(client, x, tmp_path):
    srt = b"1\n00:00:00,000 --> 00:00:01,000\nHello\n"
    x.post(xmedia.UPLOAD_URL, json=xmedia.one_shot_answer(size=len(srt)))
    client.media_upload(write(tmp_path, "talk.srt", srt))
    assert xmedia.multipart(x.calls[0].request) == [
        ("media_category", None, None, b"subtitles"),
        ("media", "talk.srt", "text/srt", srt),
    ]


def test_additional_owners_are_a_comma_separated_string_in_one_shot(client, x, tmp_path):
    x.post(xmedia.UPLOAD_URL, json=xmedia.one_shot_answer(size=len(xmedia.PNG)))
    client.media_upload(write(tmp_path, "a.png", xmedia.PNG), additional_owners=[783214, "12"])
    assert xmedia.fields(x.calls[0].request)["additional_owners"] == b"783214,12"


def test_an_open_file_is_read_from_its_position(client, x):
    x.post(xmedia.UPLOAD_URL, json=xmedia.one_shot_answer(size=len(xmedia.PNG)))
    file = io.BytesIO(b"prefix" + xmedia.PNG)
    file.seek(6)
    client.media_upload("from-memory", file=file)
    assert xmedia.multipart(x.calls[0].request)[1] == (
        "media",
        "from-memory",
        "image/png",
        xmedia.PNG,
    )
    assert not file.closed


# Chunked upload


def test_a_video_goes_in_segments_then_waits_for_processing(client, x, sleeps, tmp_path):
    video = xmedia.MP4 * 2  # 20,544 bytes: segments of 8,192, 8,192 and 4,160
    size = len(video)
    xmedia.chunked(x, size=size, segments=3)
    uploaded = client.media_upload(write(tmp_path, "clip.mp4", video), chunk_size=8192)

    at = urls()
    assert paths(x) == [
        ("POST", at["initialize"]),
        ("POST", at["append"]),
        ("POST", at["append"]),
        ("POST", at["append"]),
        ("POST", at["finalize"]),
        ("GET", f"{at['upload']}?command=STATUS&media_id={MEDIA_ID}"),
        ("GET", f"{at['upload']}?command=STATUS&media_id={MEDIA_ID}"),
    ]
    initialize = x.calls[0].request
    assert initialize.headers["Content-Type"] == "application/json"
    assert json.loads(initialize.body) == {
        "media_type": "video/mp4",
        "total_bytes": size,
        "media_category": "tweet_video",
    }
    segments = [xmedia.multipart(c.request) for c in x.calls[1:4]]
    assert segments == [
        [
            ("segment_index", None, None, str(i).encode()),
            ("media", "clip.mp4", "application/octet-stream", video[i * 8192 : (i + 1) * 8192]),
        ]
        for i in range(3)
    ]
    assert [len(s[1][3]) for s in segments] == [8192, 8192, 4160]
    assert x.calls[4].request.body is None
    assert sleeps == [1.0, 1.0]
    assert uploaded.state == "succeeded"
    assert uploaded.video == {"video_type": "video/mp4"}
    assert uploaded.media_id == MEDIA_ID


def test_every_chunked_request_is_signed_without_its_body(client, x, tmp_path):
    xmedia.chunked(x, size=len(xmedia.MP4), segments=2)
    client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4), chunk_size=8192)
    assert len(x.calls) == 6
    for call in x.calls:
        assert xmedia.oauth1_signature_valid(call.request, token_secret=SECRET), call.request.url
    append = x.calls[1].request
    signed_fields = [("segment_index", "0")]
    assert not xmedia.oauth1_signature_valid(append, token_secret=SECRET, body=signed_fields)


def test_a_gif_goes_chunked_as_tweet_gif(client, x, tmp_path):
    xmedia.chunked(x, size=len(xmedia.GIF), segments=1, states=(), finalize_state="succeeded")
    uploaded = client.media_upload(write(tmp_path, "loop.gif", xmedia.GIF))
    assert json.loads(x.calls[0].request.body) == {
        "media_type": "image/gif",
        "total_bytes": len(xmedia.GIF),
        "media_category": "tweet_gif",
    }
    assert len(x.calls) == 3
    assert uploaded.state == "succeeded"


def test_chunked_true_sends_a_small_image_in_segments(client, x, tmp_path):
    xmedia.chunked(x, size=len(xmedia.PNG), segments=1, states=(), finalize_state=None)
    uploaded = client.media_upload(write(tmp_path, "a.png", xmedia.PNG), chunked=True)
    assert json.loads(x.calls[0].request.body)["media_category"] == "tweet_image"
    assert uploaded.processing_info is None
    assert len(x.calls) == 3


def test_additional_owners_are_a_list_at_initialize(client, x, tmp_path):
    xmedia.chunked(x, size=len(xmedia.MP4), segments=1, states=(), finalize_state="succeeded")
    client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4), additional_owners="783214, 12")
    assert json.loads(x.calls[0].request.body)["additional_owners"] == ["783214", "12"]


def test_segments_are_read_one_at_a_time(client, x):
    reads: list[int] = []

    class Recording(io.BytesIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    video = xmedia.MP4 * 4
    xmedia.chunked(x, size=len(video), segments=6, states=(), finalize_state="succeeded")
    client.media_upload("clip.mp4", file=Recording(video), chunk_size=8192)
    assert reads[0] == mediatypes.HEAD_BYTES
    assert max(reads[1:]) == 8192
    assert -1 not in reads
    assert len(x.calls) == 8


def test_segments_stay_within_x_limits():
    assert media.segment_bytes(100 * MIB, 64 * MIB) == 5 * MIB
    assert media.segment_bytes(512 * MIB, 1024) == 536871  # ceil(512 MiB / 1,000 segments)
    assert media.segment_bytes(10, 4096) == 4096


def test_wait_for_async_finalize_false_returns_while_pending(client, x, sleeps, tmp_path):
    xmedia.chunked(x, size=len(xmedia.MP4), segments=1, states=())
    uploaded = client.media_upload(
        write(tmp_path, "clip.mp4", xmedia.MP4), wait_for_async_finalize=False
    )
    assert uploaded.state == "pending"
    assert uploaded.processing_info == {"state": "pending", "check_after_secs": 1}
    assert sleeps == []
    assert len(x.calls) == 3


# Processing


def test_check_after_secs_is_honoured(client, x, sleeps, tmp_path):
    size = len(xmedia.MP4)
    at = urls()
    x.post(at["initialize"], json=xmedia.initialize_answer())
    x.post(at["append"], json=xmedia.append_answer())
    x.post(at["finalize"], json=xmedia.finalize_answer(size=size, after=3))
    body = xmedia.status_answer("in_progress", size=size, progress=40)
    body["data"]["processing_info"]["check_after_secs"] = 7
    spec.validate("GetMediaUploadStatusResponse", body)
    x.get(at["upload"], json=body)
    x.get(at["upload"], json=xmedia.status_answer("succeeded", size=size))
    client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))
    assert sleeps == [3.0, 7.0]


def test_a_missing_or_zero_check_after_secs_waits_a_second(client, x, sleeps, tmp_path):
    size = len(xmedia.MP4)
    at = urls()
    x.post(at["initialize"], json=xmedia.initialize_answer())
    x.post(at["append"], json=xmedia.append_answer())
    x.post(at["finalize"], json=xmedia.finalize_answer(size=size, after=0))
    x.get(at["upload"], json=xmedia.status_answer("in_progress", size=size, after=None))
    x.get(at["upload"], json=xmedia.status_answer("succeeded", size=size))
    client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))
    assert sleeps == [1.0, 1.0]


def test_processing_that_never_ends_stops_at_the_time_budget(client, x, sleeps, tmp_path):
    xmedia.chunked(x, size=len(xmedia.MP4), segments=1, states=("in_progress",))
    with pytest.raises(MediaProcessingTimeoutError, match=r"still processing media 188") as err:
        client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4), processing_timeout=3.5)
    assert err.value.media_id == MEDIA_ID
    assert isinstance(err.value, XUnavailableError)
    assert sleeps == [1.0, 1.0, 1.0]
    assert len(x.calls) == 3 + 3  # initialize, append, finalize, then three STATUS checks


def test_processing_that_never_ends_stops_at_the_check_budget(client, x, sleeps, tmp_path):
    xmedia.chunked(x, size=len(xmedia.MP4), segments=1, states=("pending",))
    with pytest.raises(MediaProcessingTimeoutError, match=r"after 2 s and 2 status checks"):
        client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4), max_status_checks=2)
    assert sleeps == [1.0, 1.0]
    assert len(x.calls) == 3 + 2


def test_failed_processing_raises_with_x_error_name_and_message(client, x, tmp_path):
    size = len(xmedia.MP4)
    at = urls()
    x.post(at["initialize"], json=xmedia.initialize_answer())
    x.post(at["append"], json=xmedia.append_answer())
    x.post(at["finalize"], json=xmedia.finalize_answer(size=size))
    # What X sends for a failed video (v1.1's STATUS, as seen by twitter-lite issue #124); spec
    # 2.167's processing_info does not declare "error", so validate the rest of the answer.
    failed = xmedia.status_answer("failed", size=size, progress=100)
    spec.validate("GetMediaUploadStatusResponse", failed)
    failed["data"]["processing_info"]["error"] = {
        "code": 1,
        "name": "InvalidMedia",
        "message": "file is invalid",
    }
    x.get(at["upload"], json=failed)
    with pytest.raises(MediaProcessingError, match=r"InvalidMedia: file is invalid") as err:
        client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))
    assert (err.value.media_id, err.value.name, err.value.detail) == (
        MEDIA_ID,
        "InvalidMedia",
        "file is invalid",
    )
    assert isinstance(err.value, XRejectedError)
    assert len(x.calls) == 4


def test_failed_processing_with_problems_in_errors(client, x, tmp_path):
    size = len(xmedia.MP4)
    at = urls()
    x.post(at["initialize"], json=xmedia.initialize_answer())
    x.post(at["append"], json=xmedia.append_answer())
    x.post(at["finalize"], json=xmedia.finalize_answer(size=size))
    failed = xmedia.status_answer("failed", size=size)
    failed["errors"] = [
        xmedia.problem(400, "Invalid Request", "Unsupported video codec.", xmedia.INVALID_REQUEST)
    ]
    spec.validate("GetMediaUploadStatusResponse", failed)
    x.get(at["upload"], json=failed)
    with pytest.raises(MediaProcessingError, match=r"Invalid Request: Unsupported video codec"):
        client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))


def test_an_unknown_processing_state_is_refused(client, x, tmp_path):
    size = len(xmedia.MP4)
    at = urls()
    x.post(at["initialize"], json=xmedia.initialize_answer())
    x.post(at["append"], json=xmedia.append_answer())
    x.post(at["finalize"], json=xmedia.finalize_answer(size=size, state="exploded"))
    with pytest.raises(XRejectedError, match="unknown processing state: 'exploded'"):
        client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))
    assert len(x.calls) == 3


# Types and limits, refused before any request


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (xmedia.PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (xmedia.GIF, "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"II*\x00\x08\x00\x00\x00", "image/tiff"),
        (b"BM" + bytes(60), "image/bmp"),
        (xmedia.MP4, "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video/quicktime"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"\x47" + bytes(187) + b"\x47" + bytes(10), "video/mp2t"),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n", "text/vtt"),
        (b"glTF\x02\x00\x00\x00", "model/gltf-binary"),
        (b"hello world", None),
        (b"BMW 320i, 1989: a text file, not a bitmap", None),
    ],
)
def test_sniff_reads_magic_bytes(head, expected):
    assert mediatypes.sniff(head) == expected


def test_magic_bytes_win_over_the_extension(client, x, tmp_path):
    x.post(xmedia.UPLOAD_URL, json=xmedia.one_shot_answer(size=len(xmedia.PNG)))
    client.media_upload(write(tmp_path, "really-a-png.jpg", xmedia.PNG))
    assert xmedia.multipart(x.calls[0].request)[1][2] == "image/png"


def test_an_unknown_type_is_refused_before_any_request(client, x, tmp_path):
    with pytest.raises(UnsupportedMediaError, match=r"'.*notes.txt' is not a media type X takes"):
        client.media_upload(write(tmp_path, "notes.txt", b"just text"))
    assert len(x.calls) == 0


def test_an_unknown_category_is_refused(client, x, tmp_path):
    path = write(tmp_path, "a.png", xmedia.PNG)
    with pytest.raises(UnsupportedMediaError, match=r"'tweet_picture' is not an X media category"):
        client.media_upload(path, media_category="tweet_picture")
    assert len(x.calls) == 0


def test_a_3d_model_needs_an_explicit_category(client, x, tmp_path):
    with pytest.raises(UnsupportedMediaError, match=r"pass media_category= to upload it"):
        client.media_upload(write(tmp_path, "scene.glb", b"glTF\x02\x00\x00\x00" + bytes(20)))
    assert len(x.calls) == 0


@pytest.mark.parametrize(
    ("name", "head", "size", "category", "limit"),
    [
        ("big.png", xmedia.PNG, 5 * MIB + 1, "tweet_image", 5 * MIB),
        ("big.gif", xmedia.GIF, 15 * MIB + 1, "tweet_gif", 15 * MIB),
        ("big.mp4", xmedia.MP4, 512 * MIB + 1, "tweet_video", 512 * MIB),
    ],
)
def test_files_over_x_limits_are_refused_before_any_request(
    client, x, tmp_path, name, head, size, category, limit
):
    path = sparse(tmp_path, name, head, size)
    with pytest.raises(MediaTooLargeError, match=rf"at most {limit // MIB} MiB for {category}"):
        client.media_upload(path)
    assert len(x.calls) == 0


def test_a_file_at_the_image_limit_is_accepted(client, x, tmp_path):
    x.post(xmedia.UPLOAD_URL, json=xmedia.one_shot_answer(size=5 * MIB))
    client.media_upload(sparse(tmp_path, "edge.png", xmedia.PNG, 5 * MIB))
    assert len(xmedia.fields(x.calls[0].request)["media"]) == 5 * MIB


def test_an_empty_file_is_refused(client, x, tmp_path):
    with pytest.raises(MediaError, match="is empty"):
        client.media_upload("empty.png", file=io.BytesIO(b""))
    assert len(x.calls) == 0


def test_a_text_mode_file_is_refused(client, x, tmp_path):
    path = write(tmp_path, "talk.srt", b"1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    with open(path) as text, pytest.raises(MediaError, match=r"open it with 'rb'"):
        client.media_upload(path, file=text)
    assert len(x.calls) == 0


def test_an_unseekable_file_is_refused(client, x):
    class Pipe(io.RawIOBase):
        def readable(self):
            return True

        def readinto(self, buffer):
            return 0

    with pytest.raises(MediaError, match="give media_upload a path or a seekable file"):
        client.media_upload("stdin.png", file=Pipe())
    assert len(x.calls) == 0


def test_additional_owners_must_be_user_ids(client, x, tmp_path):
    with pytest.raises(MediaError, match=r"additional_owners must be X user ids"):
        client.media_upload(write(tmp_path, "a.png", xmedia.PNG), additional_owners=["@someone"])
    assert len(x.calls) == 0


# X's errors and hostile answers


def test_a_rejected_segment_raises_tweepys_bad_request_and_stops(client, x, tmp_path):
    at = urls()
    x.post(at["initialize"], json=xmedia.initialize_answer())
    body = xmedia.problem(400, "Invalid Request", "Segment is larger than 5 MB.")
    x.post(at["append"], json=body, status=400, content_type="application/problem+json")
    with pytest.raises(tweepy.BadRequest) as err:
        client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4 * 2), chunk_size=8192)
    assert err.value.api_messages == ["Segment is larger than 5 MB."]
    assert [c.request.url for c in x.calls] == [at["initialize"], at["append"]]


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, tweepy.Unauthorized),
        (403, tweepy.Forbidden),
        (503, tweepy.TwitterServerError),
    ],
)
def test_x_http_errors_are_tweepys(client, x, tmp_path, status, error):
    titles = {401: "Unauthorized", 403: "Forbidden", 503: "Service Unavailable"}
    body = xmedia.problem(status, titles[status], titles[status])
    x.post(xmedia.UPLOAD_URL, json=body, status=status, content_type="application/problem+json")
    with pytest.raises(error, match=rf"^{status} "):
        client.media_upload(write(tmp_path, "a.png", xmedia.PNG))
    assert len(x.calls) == 1


def test_a_429_raises_too_many_requests_with_reset(client, x, tmp_path, sleeps):
    body = xmedia.problem(429, "Too Many Requests", "Too Many Requests")
    x.post(
        xmedia.UPLOAD_URL,
        json=body,
        status=429,
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": "1641543656"},
    )
    with pytest.raises(tweepy.TooManyRequests) as err:
        client.media_upload(write(tmp_path, "a.png", xmedia.PNG))
    assert err.value.reset_time == 1641543656
    assert sleeps == []


def test_wait_on_rate_limit_waits_for_the_reset_and_retries(linked, x, tmp_path, monkeypatch):
    sleeps: list[float] = []
    client = linked.get_tweepy_client(sleep=sleeps.append, wait_on_rate_limit=True)
    monkeypatch.setattr("botauth.client.time.time", lambda: 1641543600.5)
    at = urls()
    x.post(at["initialize"], json=xmedia.initialize_answer())
    body = xmedia.problem(429, "Too Many Requests", "Too Many Requests")
    x.post(at["append"], json=body, status=429, headers={"x-rate-limit-reset": "1641543656"})
    x.post(at["append"], json=xmedia.append_answer())
    x.post(at["finalize"], json=xmedia.finalize_answer(size=len(xmedia.MP4), state=None))
    client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))
    assert sleeps == [57.0]
    appends = [c.request for c in x.calls if c.request.url == at["append"]]
    assert len(appends) == 2
    assert xmedia.fields(appends[0]) == xmedia.fields(appends[1])


def test_a_media_id_that_is_not_digits_is_refused(client, x, tmp_path):
    at = urls()
    hostile = {"data": {"id": "../../2/tweets", "media_key": "13_1"}}
    spec.validate("InitializeMediaUploadResponse", hostile)  # the spec sets no pattern
    x.post(at["initialize"], json=hostile)
    with pytest.raises(XRejectedError, match="media id that is not 1 to 19 digits"):
        client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))
    assert len(x.calls) == 1


def test_a_status_about_other_media_is_refused(client, x, tmp_path):
    size = len(xmedia.MP4)
    at = urls()
    x.post(at["initialize"], json=xmedia.initialize_answer())
    x.post(at["append"], json=xmedia.append_answer())
    x.post(at["finalize"], json=xmedia.finalize_answer(size=size))
    other = xmedia.status_answer("succeeded", size=size)
    other["data"]["id"] = "42"
    spec.validate("GetMediaUploadStatusResponse", other)
    x.get(at["upload"], json=other)
    with pytest.raises(XRejectedError, match="about media '42'"):
        client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))


def test_an_answer_that_is_not_json_is_refused(client, x, tmp_path):
    x.post(xmedia.UPLOAD_URL, body="<html>oops</html>", content_type="text/html")
    with pytest.raises(XRejectedError, match="not a JSON object") as err:
        client.media_upload(write(tmp_path, "a.png", xmedia.PNG))
    assert err.value.status == 200


def test_an_answer_without_data_is_refused_with_x_problems(client, x, tmp_path):
    invalid = xmedia.problem(400, "Invalid Request", "media is invalid.", xmedia.INVALID_REQUEST)
    body = {"errors": [invalid]}
    spec.validate("MediaUploadResponse", body)
    x.post(xmedia.UPLOAD_URL, json=body)
    with pytest.raises(XRejectedError, match=r"X sent no media object: media is invalid\.$"):
        client.media_upload(write(tmp_path, "a.png", xmedia.PNG))


# Routing, timeouts, logs


def test_uploads_are_routed_to_the_configured_x(linked, settings, tmp_path):
    settings.BOTAUTH_X_API_URL = "http://sandbox.test/sandbox/"
    base = "http://sandbox.test/sandbox"
    client = linked.get_tweepy_client(sleep=lambda _: None, timeout=3)
    with responses.RequestsMock() as rsps:
        rsps.post(f"{base}/2/media/upload", json=xmedia.one_shot_answer(size=len(xmedia.PNG)))
        xmedia.chunked(rsps, size=len(xmedia.MP4), segments=1, base=base)
        client.media_upload(write(tmp_path, "a.png", xmedia.PNG))
        client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))
        assert len(rsps.calls) == 1 + 5
        for call in rsps.calls:
            assert str(call.request.url).startswith(f"{base}/2/media/upload")
            # responses keeps the keyword arguments of send() on the request it records.
            assert call.request.req_kwargs["timeout"] == 3  # type: ignore[attr-defined]
            assert xmedia.oauth1_signature_valid(call.request, token_secret=SECRET)


def test_an_upload_at_debug_logs_no_token_through_redact_secrets(client, x, tmp_path):
    xmedia.chunked(x, size=len(xmedia.MP4), segments=1)
    with captured() as records:
        client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))
    assert len(x.calls) == 5
    assert_no_secret_logged(
        records,
        [SECRET, f"{xmock.USER_ID}-accesstokenlinkedbot", xmedia.CONSUMER_SECRET],
    )


def test_status_requests_match_x_query(client, x, tmp_path):
    xmedia.chunked(x, size=len(xmedia.MP4), segments=1, states=("succeeded",))
    client.media_upload(write(tmp_path, "clip.mp4", xmedia.MP4))
    status = x.calls[-1].request
    assert status.method == "GET"
    assert matchers.query_param_matcher({"command": "STATUS", "media_id": MEDIA_ID})(status)[0]
