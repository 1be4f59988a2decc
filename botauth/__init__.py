"""botauth: link X (Twitter) bot accounts to a Django project and keep their credentials healthy."""

from __future__ import annotations

__version__ = "0.2.0"
