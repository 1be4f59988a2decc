"""The README's code blocks, each found by the file it names on its first line (`# bots.py`)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
FENCED = re.compile(r"^```[a-z]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def named_blocks(path: Path) -> list[tuple[str, str]]:
    """(file name, whole block) for each fenced block of `path` whose first line is `# <name>`."""
    return [
        (body[2:].split()[0], body)
        for body in FENCED.findall(path.read_text(encoding="utf-8"))
        if body.startswith("# ") and body[2:].split()
    ]


def block(filename: str, path: Path = README) -> str:
    """The fenced block whose first line is `# <filename>` (text may follow the name)."""
    found = [body for name, body in named_blocks(path) if name == filename]
    if len(found) != 1:
        raise LookupError(f"{path.name} has {len(found)} blocks for {filename}, not one.")
    return found[0]
