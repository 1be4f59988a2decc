"""A text field stored encrypted at rest and read back in clear through the ORM."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError, ValidationError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression
from django.db.models.lookups import IsNull
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from botauth.encryption import decrypt, encrypt
from botauth.exceptions import DecryptionError

# Marks ciphertext outside the database (dumps, fixtures). ":" is neither in a Fernet token nor
# in an X token, and no clear value may start with it, so neither is ever taken for the other.
CIPHERTEXT_PREFIX = "fernet:v1:"


class Decrypted(str):
    """A clear value read from the database; it remembers the ciphertext it was stored as."""

    ciphertext: str


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Holds a secret. The empty string means "none" and is stored as it is.

    The database column holds a Fernet token; serializers (``dumpdata``) write it as
    ``fernet:v1:<token>``, and ``loaddata`` decrypts that back, so a dump never holds a
    clear secret and loading one encrypts nothing twice.
    """

    @sensitive_variables()
    def get_prep_value(self, value: Any) -> Any:
        # Checked before TextField's to_python(), which would decrypt it.
        if isinstance(value, str) and value.startswith(CIPHERTEXT_PREFIX):
            raise ValueError(
                f"{self.model.__name__}.{self.name} was given ciphertext where a clear value "
                f"belongs: values starting with {CIPHERTEXT_PREFIX!r} are decrypted by "
                "to_python() (loaddata does it), never stored as they are."
            )
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))

    @sensitive_variables()
    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value in (None, ""):
            return value
        # A row copied from a dump by hand may carry the prefix; both forms are ciphertext.
        stored = value.removeprefix(CIPHERTEXT_PREFIX)
        clear = Decrypted(decrypt(stored))
        clear.ciphertext = stored
        return clear

    @sensitive_variables()
    def to_python(self, value: Any) -> Any:
        if not isinstance(value, str) or not value.startswith(CIPHERTEXT_PREFIX):
            return super().to_python(value)
        try:
            return decrypt(value.removeprefix(CIPHERTEXT_PREFIX))
        except DecryptionError as err:
            raise ValidationError(
                _(
                    "This encrypted value cannot be decrypted with any key in "
                    "BOTAUTH_ENCRYPTION_KEYS: it was written by a server with other keys."
                ),
                code="undecryptable",
            ) from err

    @sensitive_variables()
    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        if value in (None, ""):
            return ""
        if isinstance(value, Decrypted):
            return CIPHERTEXT_PREFIX + value.ciphertext
        return CIPHERTEXT_PREFIX + encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        # Ciphertext is randomised, so any comparison but IS NULL would silently match nothing.
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted and cannot be filtered with "
            f"{lookup_name!r} (its ciphertext differs on every save); only isnull works on it."
        )

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(f"{self.model.__name__}.{self.name} is encrypted and has no transforms.")
