"""The README is the front page on PyPI and in the repository: it reads right on PyPI (no link
into the repository, which PyPI cannot follow), names every page of the docs, and prints its
code exactly as the docs do."""

from __future__ import annotations

import re

import pytest

from tests import readme

LINK_TARGETS = re.compile(r"\]\(([^)\s]*)|(?:href|src)=[\"']([^\"']*)")
README_NAMES = {name for name, _ in readme.named_blocks(readme.README)}
DOC_PAGES = sorted(readme.DOCS.glob("*.md"))


def relative_links(text: str) -> list[str]:
    targets = [a or b for a, b in LINK_TARGETS.findall(text)]
    return [t for t in targets if not re.match(r"(https?://|mailto:)", t)]


def test_relative_links_are_found():
    text = '[Install](docs/install.md), [X](https://x.com), <img src="logo.png">, [top](#top)'
    assert relative_links(text) == ["docs/install.md", "logo.png", "#top"]


def test_the_readme_links_only_to_absolute_urls():
    assert relative_links(readme.README.read_text(encoding="utf-8")) == []


def test_the_readme_names_every_page_of_the_docs_and_no_other():
    named = set(re.findall(r"`(docs/[\w-]+\.md)`", readme.README.read_text(encoding="utf-8")))
    pages = {f"docs/{page.name}" for page in DOC_PAGES} - {"docs/index.md"}
    assert named == pages


def test_the_docs_site_lists_every_page():
    nav = (readme.ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    missing = [page.name for page in DOC_PAGES if f": {page.name}" not in nav]
    assert missing == []


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda page: page.name)
def test_the_docs_print_the_readmes_files_as_the_readme_does(page):
    shared = [(name, body) for name, body in readme.named_blocks(page) if name in README_NAMES]

    for name, body in shared:
        assert body == readme.block(name), f"{page.name}'s {name} differs from the README's"


def test_the_sandbox_page_prints_the_whole_quick_start():
    names = {name for name, _ in readme.named_blocks(readme.DOCS / "sandbox.md")}
    assert names >= README_NAMES
