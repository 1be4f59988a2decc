"""Test settings: the project's settings with fixed keys and the sandbox app installed.

botauth's X traffic still goes to X's real hosts here (mocked with `responses`); tests that
drive the sandbox point BOTAUTH_X_API_URL at a live server themselves.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ["DEBUG"] = "true"
os.environ["BOTAUTH_SANDBOX"] = "false"

from project.settings import *  # noqa: F403
from project.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "botauth_sandbox"]
TWITTER_CONSUMER_API_KEY = "test-consumer-key"
TWITTER_CONSUMER_API_KEY_SECRET = "test-consumer-secret"
TWITTER_API_BEARER_TOKEN = ""
# OAuth 2.0 off unless a test turns it on, whatever the environment or .env says.
TWITTER_CLIENT_ID = ""
TWITTER_CLIENT_SECRET = ""
BOTAUTH_OAUTH2_SCOPES = ""
BOTAUTH_ENCRYPTION_KEYS = ["bXN1LXRlc3Qta2V5LTAwMDAwMDAwMDAwMDAwMDAwMDA="]
BOTAUTH_X_API_URL = "https://api.twitter.com"
BOTAUTH_CALLBACK_URL = ""
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
