"""The demo project's tests: `project/` started in fresh processes, configured from the
environment as `make run` and a deployment configure it.

The app's own tests (everything else under tests/) never import the demo project; these need
its requirements (django-environ, gunicorn), which `make setup` installs.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _needs_the_demo_projects_requirements() -> None:
    try:
        import environ  # noqa: F401
    except ImportError:
        pytest.skip(
            "the demo project's tests need its requirements (django-environ): "
            "pip install -r requirements.txt"
        )
