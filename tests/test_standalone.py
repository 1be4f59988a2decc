"""The app's tests stand alone: no demo project, none of its requirements (django-environ).

`python -m pytest` in a checkout tests botauth with tests/settings.py; only tests/project/ tests
the demo project, and skips, saying why, where its requirements are missing.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys

from tests.helpers import ROOT

TESTS = ROOT / "tests"
# Runs Python with django-environ unimportable, as in a venv that never installed it.
WITHOUT_ENVIRON = "import sys\nsys.modules['environ'] = None\n"
# project.settings, project/gunicorn.conf.py, ... (written so that it does not match itself)
DEMO_PROJECT_PATH = re.compile(r"\bproject[./](settings|urls|wsgi|asgi|gunicorn)\b")


def without_environ(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    # A database of its own: the outer run's test database is in use.
    env.update(DATABASE_URL="sqlite://", DJANGO_SETTINGS_MODULE="tests.settings")
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_ENVIRON + code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def app_test_files() -> list[str]:
    return sorted(
        str(path.relative_to(ROOT))
        for path in TESTS.rglob("*.py")
        if TESTS / "project" not in path.parents
    )


def test_the_blocked_import_is_really_blocked():
    result = without_environ("import environ")
    assert result.returncode == 1
    assert "ModuleNotFoundError: import of environ halted; None in sys.modules" in result.stderr


def test_no_app_test_refers_to_the_demo_project():
    files = app_test_files()
    assert "tests/settings.py" in files and "tests/test_admin.py" in files
    found = []
    for name in files:
        tree = ast.parse((ROOT / name).read_text(), name)
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                # Prose may name the demo project; code may not use it.
                if id(node) in docstrings:
                    continue
                if DEMO_PROJECT_PATH.search(node.value):
                    found.append(f"{name}:{node.lineno}: {node.value[:60]!r}")
                continue
            else:
                continue
            for module in modules:
                if module.split(".")[0] in ("project", "environ"):
                    found.append(f"{name}:{node.lineno}: import {module}")
    assert found == []


def test_the_app_settings_load_and_check_without_django_environ():
    result = without_environ(
        "import json, django\n"
        "django.setup()\n"
        "from django.core.checks import run_checks\n"
        "from django.urls import reverse\n"
        "import tests.conftest, tests.helpers\n"
        "print(json.dumps({\n"
        "    'checks': [m.id for m in run_checks()],\n"
        "    'urls': [reverse('admin:index'), reverse('botauth_sandbox:request_token')],\n"
        "    'demo': sorted(m for m in sys.modules if m.split('.')[0] in ('project', 'environ')\n"
        "                   and sys.modules[m] is not None),\n"
        "}))\n"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "checks": [],
        "urls": ["/admin/", "/sandbox/oauth/request_token"],
        "demo": [],
    }


def test_pytest_runs_the_app_tests_and_skips_the_demo_project_without_django_environ():
    result = without_environ(
        "import pytest; sys.exit(pytest.main(sys.argv[1:]))",
        "-q",
        "-rs",
        "-p",
        "no:cacheprovider",
        "tests/test_fields.py",
        "tests/test_checks.py",
        "tests/project/test_settings.py",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed, \d+ skipped in .*", summary), summary
    assert "the demo project's tests need its requirements (django-environ)" in result.stdout
    assert "tests/project/test_settings.py" in result.stdout


def test_pytest_collects_every_app_test_without_django_environ():
    result = without_environ(
        "import pytest; sys.exit(pytest.main(sys.argv[1:]))",
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(r"\d+ tests collected in .*", result.stdout.strip().splitlines()[-1])
    collected = [line for line in result.stdout.splitlines() if "::" in line]
    assert any(line.startswith("tests/test_admin.py::") for line in collected)
    assert any(line.startswith("tests/sandbox/") for line in collected)
