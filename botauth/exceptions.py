"""botauth's exceptions: each says what happened and what to do; X's own error is chained."""

from __future__ import annotations

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


class FlowNotFoundError(LinkError):
    """No pending link flow of this user matches the token."""


class FlowExpiredError(LinkError):
    """The pending link flow is older than BOTAUTH_PENDING_TTL."""

    status_code = 410


class IdentityConflictError(LinkError):
    """X's user is linked to another BotAccount, or is not the one stored on this one."""

    status_code = 409


class LinkForbiddenError(LinkError):
    """The person may no longer change this BotAccount (checked again when X sends them back)."""

    status_code = 403


class LinkUnavailableError(LinkError):
    """The database failed while the link was being stored; the flow was put back as it was."""

    status_code = 503
