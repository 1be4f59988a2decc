"""gunicorn settings: `gunicorn -c project/gunicorn.conf.py project.wsgi`.

Threaded workers: botauth's views wait on X (up to BOTAUTH_REQUEST_TIMEOUT), and with the sandbox
on, X is this same server, so a worker must be able to answer while another request waits.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
