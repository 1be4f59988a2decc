"""The README's code blocks, each found by the file it names on its first line (`# bots.py`)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
FENCED = re.compile(r"^```[a-z]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def block(filename: str) -> str:
    """The fenced block whose first line is `# <filename>` (text may follow the name)."""
    found: list[str] = [
        body
        for body in FENCED.findall(README.read_text())
        if body.startswith("# ") and body[2:].split()[0] == filename
    ]
    if len(found) != 1:
        raise LookupError(f"README.md has {len(found)} blocks for {filename}, not one.")
    return found[0]
