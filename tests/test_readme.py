"""The README's bot code and its test ("Test your bot code"), run as they are printed there."""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any

import pytest

from botauth.models import BotAccount
from botauth_sandbox.models import Post
from tests import readme


def load(filename: str, namespace: dict[str, Any]) -> dict[str, Any]:
    exec(compile(readme.block(filename), f"README.md ({filename})", "exec"), namespace)
    return namespace


def test_readme_blocks_are_found_by_file_name():
    assert readme.block("bots.py").startswith("# bots.py\nfrom botauth.models import BotAccount")
    with pytest.raises(LookupError, match=r"0 blocks for nothing\.py"):
        readme.block("nothing.py")


def test_readme_bot_code_passes_the_readme_test(x_sandbox, request, monkeypatch):
    bots = types.ModuleType("bots")
    load("bots.py", bots.__dict__)
    monkeypatch.setitem(sys.modules, "bots", bots)
    tests = {
        name: value for name, value in load("test_bots.py", {}).items() if name.startswith("test_")
    }
    assert list(tests) == ["test_post_headline"]

    for test in tests.values():
        fixtures = inspect.signature(test).parameters
        test(**{name: request.getfixturevalue(name) for name in fixtures})

    bot = BotAccount.objects.get(name="newsbot")
    assert bot.status == BotAccount.Status.LINKED
    post = Post.objects.get()
    assert (post.author.user_id, post.text) == (bot.twitter_user_id, "Hello from botauth")
