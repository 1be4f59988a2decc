"""The demo project serves the admin in the browser's language (project/settings.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.helpers import ROOT


def test_the_demo_project_negotiates_the_language_after_the_session():
    probe = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.MIDDLEWARE, settings.LANGUAGES]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BOTAUTH_"))}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "project.settings", "SECRET_KEY": "i18n-test", "DEBUG": "true"}
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    middleware, languages = json.loads(done.stdout)
    session = middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert middleware.index("django.middleware.locale.LocaleMiddleware") == session + 1
    assert middleware.index("django.middleware.common.CommonMiddleware") > session + 1
    assert [code for code, _ in languages] == ["en", "de"]
