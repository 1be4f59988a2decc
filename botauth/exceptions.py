"""botauth's exceptions: each says what happened and what to do; X's own error is chained."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured


class BotauthError(Exception):
    """Base class for every error botauth raises on purpose."""


class BotauthConfigurationError(ImproperlyConfigured, BotauthError):
    """A setting botauth needs is missing or wrong; the message names it."""


class DecryptionError(BotauthError):
    """A stored token could not be decrypted with any key in BOTAUTH_ENCRYPTION_KEYS."""


class NotLinkedError(BotauthError):
    """The BotAccount has no access token: link it with X first."""


class XError(BotauthError):
    """A call to X failed."""


class XUnavailableError(XError):
    """X could not be reached, timed out, or answered 5xx: try again later."""


class XRejectedError(XError):
    """X refused the request (4xx), or answered something that is not OAuth."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LinkError(BotauthError):
    """A link flow cannot go on; the message is safe to show to the person linking."""

    status_code = 400
    # The bot account whose flow it was, once one was matched (for a link back to it).
    account: Any = None


class FlowNotFoundError(LinkError):
    """No pending link flow of this user matches the token."""


class FlowExpiredError(LinkError):
    """The pending link flow is older than BOTAUTH_PENDING_TTL."""

    status_code = 410


class IdentityConflictError(LinkError):
    """X's user is linked to another BotAccount, or is not the one stored on this one."""

    status_code = 409


class MediaError(BotauthError):
    """A file cannot be uploaded to X as media; the message says why and what to do."""


class UnsupportedMediaError(MediaError):
    """X takes no media of this type or category."""


class MediaTooLargeError(MediaError):
    """The file is larger than X allows for its media category."""

    def __init__(self, message: str, *, size: int, limit: int, category: str) -> None:
        super().__init__(message)
        self.size = size
        self.limit = limit
        self.category = category


class MediaProcessingError(MediaError, XRejectedError):
    """X could not process the uploaded media (processing_info.state "failed")."""

    def __init__(self, message: str, *, media_id: str, name: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.media_id = media_id
        self.name = name
        self.detail = detail


class MediaProcessingTimeoutError(MediaError, XUnavailableError):
    """X was still processing the media when botauth stopped waiting."""

    def __init__(self, message: str, *, media_id: str) -> None:
        super().__init__(message)
        self.media_id = media_id


class LinkForbiddenError(LinkError):
    """The person may no longer change this BotAccount (checked again when X sends them back)."""

    status_code = 403


class LinkUnavailableError(LinkError):
    """The database failed while the link was being stored; the flow was put back as it was."""

    status_code = 503


class XOAuth2Error(XRejectedError):
    """X's OAuth 2.0 token or revoke endpoint said no; ``error`` is X's code for why.

    X answers a used, revoked or invalid code or refresh token with 400 ``invalid_request``
    (some clients see ``invalid_grant``), and wrong client credentials with 401.
    """

    def __init__(self, message: str, *, status: int | None = None, error: str = "") -> None:
        super().__init__(message, status=status)
        self.error = error
