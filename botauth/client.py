"""BotClient: the tweepy.Client a linked bot posts with, plus X's v2 media upload.

tweepy 4.17 uploads media only through v1.1's upload.twitter.com, which X retired in 2025
(tweepy issue #2217); BotClient.media_upload speaks X's v2 media endpoints instead. Every request
goes through the client's one XSession, so it is routed, timed out and seen by its hooks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import PurePath
from typing import IO, Any

import requests
import tweepy
from requests.auth import AuthBase
from requests_oauthlib import OAuth1

from botauth import conf, media, mediatypes
from botauth.exceptions import (
    MediaProcessingError,
    MediaProcessingTimeoutError,
    NotLinkedError,
    XRejectedError,
)
from botauth.media import Media
from botauth.transport import XSession

UPLOAD = "/2/media/upload"
PROCESSING = ("pending", "in_progress")


class BotClient(tweepy.Client):  # type: ignore[misc]
    """A tweepy.Client that acts as one bot over an XSession, with ``media_upload``.

    ``timeout`` (seconds) applies to every request, BOTAUTH_REQUEST_TIMEOUT when not given;
    ``sleep`` is what waiting for X calls (media processing, ``wait_on_rate_limit``).
    ``oauth2`` makes it act as an OAuth 2.0 bot: every call, whatever its ``user_auth``, sends
    the bot's user token, kept fresh by that auth; ``user_id`` is the bot's X user id.
    """

    def __init__(
        self,
        *args: Any,
        timeout: float | None = None,
        sleep: Callable[[float], object] = time.sleep,
        oauth2: AuthBase | None = None,
        user_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.session = XSession(timeout=timeout)
        self.sleep = sleep
        self.oauth2 = oauth2
        self.user_id = user_id
        if oauth2 is not None:
            # tweepy sets "Bearer <bearer_token>" itself; the session's auth replaces it.
            self.session.auth = oauth2

    def request(
        self,
        method: str,
        route: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
        user_auth: bool = False,
    ) -> requests.Response:
        if self.oauth2 is not None:
            # tweepy's user_auth=True means OAuth 1.0a; an OAuth 2.0 bot's token is a bearer.
            user_auth = False
        elif not user_auth and not self.bearer_token and self.access_token:
            # No app-only token: act as the bot, so that get_tweet and get_user work alike.
            user_auth = True
        return super().request(method, route, params, json, user_auth)  # type: ignore[no-any-return]

    def _get_authenticating_user_id(self, *, oauth_1: bool = False) -> str:
        # tweepy reads it from an OAuth 1.0a token's prefix or asks /2/users/me; the account knows.
        if self.user_id:
            return self.user_id
        return super()._get_authenticating_user_id(oauth_1=oauth_1)  # type: ignore[no-any-return]

    def user_context_auth(self) -> AuthBase:
        """The requests auth that acts as the bot: its OAuth 2.0 user token, or OAuth 1.0a.

        The one place media upload gets its credentials.
        """
        if self.oauth2 is not None:
            return self.oauth2
        if not (
            self.consumer_key
            and self.consumer_secret
            and self.access_token
            and self.access_token_secret
        ):
            raise NotLinkedError(
                "Media upload acts as a user: build the client with "
                "BotAccount.get_tweepy_client(), or give it an access pair."
            )
        # decoding=None signs exactly as tweepy's own user-context calls do.
        auth: AuthBase = OAuth1(
            self.consumer_key,
            client_secret=self.consumer_secret,
            resource_owner_key=self.access_token,
            resource_owner_secret=self.access_token_secret,
            decoding=None,
        )
        return auth

    def media_upload(
        self,
        filename: str,
        *,
        file: IO[bytes] | None = None,
        media_type: str | None = None,
        media_category: str | None = None,
        chunked: bool | None = None,
        additional_owners: Iterable[str | int] | str | None = None,
        wait_for_async_finalize: bool = True,
        chunk_size: int = media.DEFAULT_SEGMENT_BYTES,
        processing_timeout: float = media.PROCESSING_TIMEOUT,
        max_status_checks: int = media.MAX_STATUS_CHECKS,
    ) -> Media:
        """Upload a file to X (API v2) as this bot; returns a Media whose ``media_id`` goes to
        ``create_tweet(media_ids=[...])``. Shaped like tweepy's v1.1 ``API.media_upload``.

        ``filename`` is opened unless ``file`` (an open binary, seekable file, read from its
        current position) is given; its name then only helps to tell the type. ``media_type``
        is told from the file's first bytes, then its extension; ``media_category`` from the type
        (``tweet_image``, ``tweet_gif``, ``tweet_video``, ``subtitles``). Images up to 5 MiB go in
        one ``POST /2/media/upload``; GIFs, videos and larger files in segments of ``chunk_size``
        bytes (initialize, append, finalize), read one at a time, whatever ``chunked`` says
        (as in tweepy, ``chunked=True`` only forces segments on a small image). Then, with
        ``wait_for_async_finalize``, it asks X for the processing status every
        ``check_after_secs`` until X is done, at most ``max_status_checks`` times and
        ``processing_timeout`` seconds of waiting.

        Raises, before any request, UnsupportedMediaError (a type or category X does not take),
        MediaTooLargeError (over X's limit for the category: 5 MiB images, 15 MiB GIFs, 512 MiB
        videos) or MediaError (an empty, unseekable or text-mode file; bad additional_owners).
        Afterwards MediaProcessingError when X's processing fails (with X's error name and
        message), MediaProcessingTimeoutError when it takes too long, and XRejectedError when X
        answers something that is not a media object. An HTTP error from X raises what
        ``create_tweet`` raises for it: tweepy's BadRequest, Unauthorized, Forbidden, NotFound,
        TooManyRequests (``wait_on_rate_limit`` is honoured), TwitterServerError; a network
        failure raises the requests exception, as tweepy does.
        """
        with ExitStack() as stack:
            fp = file if file is not None else stack.enter_context(open(filename, "rb"))
            size, head = media.measure(fp, filename)
            media_type = media_type or mediatypes.media_type_of(filename, head)
            category = media_category or mediatypes.category_of(media_type)
            media.check_upload(filename=filename, size=size, category=category)
            ids = media.owners(additional_owners)
            name = PurePath(filename).name or "media"
            if chunked or media.needs_chunked(category=category, size=size):
                body = self._chunked_upload(
                    fp,
                    name=name,
                    size=size,
                    media_type=media_type,
                    category=category,
                    owners=ids,
                    chunk_size=chunk_size,
                )
            else:
                data = {"media_category": category}
                if ids:
                    data["additional_owners"] = ",".join(ids)
                files = {"media": (name, media.read_exactly(fp, size, filename), media_type)}
                body = self._x("POST", UPLOAD, data=data, files=files)
        uploaded = Media.from_response(body)
        if not wait_for_async_finalize:
            return uploaded
        return self._await_processing(
            body, uploaded, timeout=processing_timeout, max_checks=max_status_checks
        )

    def _chunked_upload(
        self,
        fp: IO[bytes],
        *,
        name: str,
        size: int,
        media_type: str,
        category: str,
        owners: list[str],
        chunk_size: int,
    ) -> dict[str, Any]:
        segment = media.segment_bytes(size, chunk_size)
        initialize: dict[str, Any] = {
            "media_type": media_type,
            "total_bytes": size,
            "media_category": category,
        }
        if owners:
            initialize["additional_owners"] = owners
        media_id = Media.from_response(
            self._x("POST", f"{UPLOAD}/initialize", json=initialize)
        ).media_id
        path = f"{UPLOAD}/{media_id}"
        sent = 0
        for index in range(-(-size // segment)):
            chunk = media.read_exactly(fp, min(segment, size - sent), name)
            self._x(
                "POST",
                f"{path}/append",
                data={"segment_index": str(index)},
                files={"media": (name, chunk, "application/octet-stream")},
            )
            sent += len(chunk)
            del chunk  # one segment in memory at a time, not two
        body = self._x("POST", f"{path}/finalize")
        media.check_same_media(body, media_id)
        return body

    def _await_processing(
        self, body: dict[str, Any], uploaded: Media, *, timeout: float, max_checks: int
    ) -> Media:
        waited, checks = 0.0, 0
        while uploaded.processing_info is not None:
            state = uploaded.state
            if state == "succeeded":
                break
            if state == "failed":
                name, message = media.failure(body, uploaded)
                raise MediaProcessingError(
                    f"X could not process media {uploaded.media_id}: {name or 'failed'}"
                    f"{': ' + message if message else ''}. Check the file plays and meets X's "
                    "media requirements, then upload it again.",
                    media_id=uploaded.media_id,
                    name=name,
                    detail=message,
                )
            if state not in PROCESSING:
                raise XRejectedError(f"X sent an unknown processing state: {state!r:.40}")
            delay = media.check_after(uploaded.processing_info)
            if checks >= max_checks or waited + delay > timeout:
                raise MediaProcessingTimeoutError(
                    f"X was still processing media {uploaded.media_id} after {waited:.0f} s and "
                    f"{checks} status checks; raise processing_timeout or max_status_checks, or "
                    "pass wait_for_async_finalize=False and check later.",
                    media_id=uploaded.media_id,
                )
            self.sleep(delay)
            waited, checks = waited + delay, checks + 1
            body = self._x(
                "GET", UPLOAD, params={"command": "STATUS", "media_id": uploaded.media_id}
            )
            media.check_same_media(body, uploaded.media_id)
            uploaded = Media.from_response(body)
        return uploaded

    def _x(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One user-context request to X's v2 API: its JSON object, or tweepy's HTTP error."""
        while True:
            with self.session.request(
                method,
                f"{conf.X_API_URL}{path}",
                headers={"User-Agent": self.user_agent},
                auth=self.user_context_auth(),
                **kwargs,
            ) as response:
                delay = _rate_limit_wait(response) if self.wait_on_rate_limit else None
                if delay is None:
                    return _json(response)
            self.sleep(delay)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json() if response.content else {}
    except requests.JSONDecodeError:
        body = None
    if not response.ok:
        _raise_http_error(response, body if isinstance(body, dict) else {})
    if not isinstance(body, dict):
        raise XRejectedError(
            f"X answered {response.status_code} with something that is not a JSON object: "
            f"{response.text[:200]!r}",
            status=response.status_code,
        )
    return body


def _raise_http_error(response: requests.Response, body: dict[str, Any]) -> None:
    # The classes and the mapping of tweepy.Client.request, so that a failed upload reads like a
    # failed create_tweet.
    status = response.status_code
    errors: dict[int, type[tweepy.HTTPException]] = {
        400: tweepy.BadRequest,
        401: tweepy.Unauthorized,
        403: tweepy.Forbidden,
        404: tweepy.NotFound,
    }
    if status == 429:
        raise tweepy.TooManyRequests(response, response_json=body, reset_time=_reset(response))
    if status >= 500:
        raise tweepy.TwitterServerError(response, response_json=body)
    raise errors.get(status, tweepy.HTTPException)(response, response_json=body)


def _reset(response: requests.Response) -> int | None:
    try:
        return int(response.headers["x-rate-limit-reset"])
    except (KeyError, ValueError):
        return None


def _rate_limit_wait(response: requests.Response) -> float | None:
    """With wait_on_rate_limit, seconds until X's reset (as tweepy waits); None: do not wait."""
    reset = _reset(response) if response.status_code == 429 else None
    if reset is None:
        return None
    return float(max(reset - int(time.time()) + 1, 0))
