"""The package as an integrator gets it: pip install ".[sandbox]" into a fresh virtualenv, a
`django-admin startproject` project set up with the README's blocks, and its pytest test.

The virtualenv is made without pip, and this environment's site-packages is on its path (a
.pth file) so the dependencies are there already and nothing but the package is fetched or
built; botauth itself must then come from the installed wheel, never from this checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests import readme
from tests.helpers import ROOT

pytestmark = pytest.mark.slow

NOT_SHIPPED = shutil.ignore_patterns(
    ".git", ".venv*", ".nox", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "out",
    "*.sqlite3", ".env", "artifacts",
)  # fmt: skip
KEY_PLACEHOLDER = "<your Fernet key>"


def clean_env() -> dict[str, str]:
    drop = ("DJANGO_", "BOTAUTH_", "TWITTER_", "PYTEST_", "SANDBOX_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.pop("PYTHONPATH", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(*command: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check and done.returncode:
        raise AssertionError(
            f"{' '.join(map(str, command))} exited {done.returncode}:\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with pip install ".[sandbox]" done from a copy of this checkout."""
    base = tmp_path_factory.mktemp("package")
    source = base / "django-botauth"
    shutil.copytree(ROOT, source, ignore=NOT_SHIPPED)
    venv = base / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    python = venv / "bin" / "python"
    purelib = run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=base
    )
    outer = sysconfig.get_paths()["purelib"]
    (Path(purelib.stdout.strip()) / "outer-site-packages.pth").write_text(outer + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", ".[sandbox]", cwd=source)
    return python


@pytest.fixture(scope="module")
def mysite(python: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`django-admin startproject mysite`, then the README's "Try it in your own project"."""
    work = tmp_path_factory.mktemp("integrator")
    run(python, "-m", "django", "startproject", "mysite", cwd=work)
    project = work / "mysite"
    settings = readme.block("mysite/settings.py")
    assert settings.count(KEY_PLACEHOLDER) == 1
    with (project / "mysite" / "settings.py").open("a") as file:
        file.write("\n" + settings.replace(KEY_PLACEHOLDER, Fernet.generate_key().decode()))
    (project / "mysite" / "urls.py").write_text(readme.block("mysite/urls.py"))
    for name in ("bots.py", "test_bots.py", "pytest.ini"):
        (project / name).write_text(readme.block(name))
    return project


def test_botauth_is_imported_from_the_installed_package(python, mysite):
    where = run(
        python, "-c", "import botauth, botauth_sandbox; print(botauth.__file__)", cwd=mysite
    )
    assert where.stdout.startswith(str(python.parent.parent))
    assert "site-packages" in where.stdout


def test_the_installed_package_carries_its_german_translations(python, mysite):
    probe = (
        "from django.utils import translation; from botauth.models import BotAccount; "
        "from botauth_sandbox.models import SandboxUser; translation.activate('de'); "
        "print(BotAccount._meta.verbose_name_plural, SandboxUser._meta.verbose_name, sep='|')"
    )
    result = run(python, "manage.py", "shell", "-c", probe, cwd=mysite)

    # The last line: Django 5.2's shell may first say what it imported.
    assert result.stdout.strip().splitlines()[-1] == "Bot-Konten|Sandbox-X-Benutzer"


def test_the_readme_project_checks_and_migrates(python, mysite):
    checked = run(python, "manage.py", "check", cwd=mysite)
    migrated = run(python, "manage.py", "migrate", "--noinput", cwd=mysite)

    assert "System check identified no issues" in checked.stdout
    assert "Applying botauth_sandbox.0001_initial... OK" in migrated.stdout
    assert (mysite / "db.sqlite3").exists()


def test_the_integrators_bot_test_passes_with_x_sandbox(python, mysite):
    result = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=mysite)

    assert "2 passed" in result.stdout


def test_the_plugin_is_registered_once_when_also_named(python, mysite):
    # A conftest's pytest_plugins = ["botauth_sandbox.testing"] does this next to the entry point.
    result = run(
        python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "botauth_sandbox.testing",
        cwd=mysite,
    )  # fmt: skip

    assert "2 passed" in result.stdout


def test_deploy_check_fails_with_the_sandbox_installed_and_debug_off(python, mysite):
    # The README's settings with DEBUG turned off afterwards: the sandbox stays installed.
    (mysite / "mysite" / "production.py").write_text(
        "from .settings import *  # noqa\n"
        "DEBUG = False\n"
        'ALLOWED_HOSTS = ["bots.example.com"]\n'
        'assert "botauth_sandbox" in INSTALLED_APPS\n'
    )
    result = run(
        python, "manage.py", "check", "--deploy", "--settings", "mysite.production",
        cwd=mysite, check=False,
    )  # fmt: skip

    assert result.returncode == 1
    assert "botauth_sandbox.E001" in result.stderr
    assert "The X sandbox (botauth_sandbox) is installed while DEBUG is off." in result.stderr
