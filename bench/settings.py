"""The project's settings for benchmark servers and commands: DJANGO_SETTINGS_MODULE=bench.settings.

Everything else comes from the environment, as in production (see bench/environment.py).
"""

from __future__ import annotations

from project.settings import *  # noqa: F403
from project.settings import INSTALLED_APPS

ROOT_URLCONF = "bench.urls"
# Every process seeds or serves the sandbox's tables; only the sandbox server, with DEBUG on,
# turns BOTAUTH_SANDBOX on (bench/environment.py), and the sandbox serves nowhere else.
if "botauth_sandbox" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "botauth_sandbox"]
# The verify benchmark asks about each token more often than X's 75 per window would allow, and
# counting would serialize every request on the window's row; the benchmarks measure speed.
SANDBOX_ENFORCE_RATE_LIMITS = False
# The load script logs in 200 users at once; PBKDF2's deliberate ~0.25 s of CPU per login is
# Django's, not ours, and would hide the link flow's own cost on two cores.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
