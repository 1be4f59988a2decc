"""A text field stored encrypted at rest and read back in clear through the ORM."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression
from django.db.models.lookups import IsNull

from botauth.encryption import decrypt, encrypt


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Holds a secret. The empty string means "none" and is stored as it is."""

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        # Ciphertext is randomised, so any comparison but IS NULL would silently match nothing.
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(
            f"{self.model.__name__}.{self.name} is encrypted and cannot be filtered with "
            f"{lookup_name!r}; filter on status or twitter_oauth_token instead."
        )

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(f"{self.model.__name__}.{self.name} is encrypted and has no transforms.")
