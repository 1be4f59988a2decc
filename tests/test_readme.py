"""The README's bot code and its test ("Test your bot code"), run as they are printed there."""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any

import pytest

from botauth.models import BotAccount
from botauth_sandbox.models import Media, Post
from tests import readme


def load(filename: str, namespace: dict[str, Any]) -> dict[str, Any]:
    exec(compile(readme.block(filename), f"README.md ({filename})", "exec"), namespace)
    return namespace


def test_readme_blocks_are_found_by_file_name():
    assert readme.block("bots.py").startswith("# bots.py\nfrom botauth.models import BotAccount")
    with pytest.raises(LookupError, match=r"0 blocks for nothing\.py"):
        readme.block("nothing.py")


README_TESTS = ["test_post_headline", "test_post_with_media"]


def readme_tests(monkeypatch) -> dict[str, Any]:
    bots = types.ModuleType("bots")
    load("bots.py", bots.__dict__)
    monkeypatch.setitem(sys.modules, "bots", bots)
    namespace = load("test_bots.py", {})
    return {name: value for name, value in namespace.items() if name.startswith("test_")}


def test_the_readme_has_these_tests(monkeypatch):
    assert list(readme_tests(monkeypatch)) == README_TESTS


@pytest.mark.parametrize("name", README_TESTS)
def test_readme_bot_code_passes_the_readme_test(name, x_sandbox, request, monkeypatch):
    test = readme_tests(monkeypatch)[name]
    fixtures = inspect.signature(test).parameters
    test(**{fixture: request.getfixturevalue(fixture) for fixture in fixtures})

    bot = BotAccount.objects.get(name="newsbot")
    assert bot.status == BotAccount.Status.LINKED
    posts = list(Post.objects.order_by("created_at", "pk"))
    assert {post.author.user_id for post in posts} == {bot.twitter_user_id}
    if name == "test_post_headline":
        assert [post.text for post in posts] == ["Hello from botauth"]
    else:
        assert [post.text for post in posts] == ["Today's chart", "Today's clip"]
        media = Media.objects.filter(media_id__in=[m for p in posts for m in p.media_ids])
        assert sorted(m.media_category for m in media) == ["tweet_image", "tweet_video"]
        assert {m.state for m in media} == {"succeeded"}
