#!/usr/bin/env python3
"""Write the README's "What goes in" file table from the loader registry (ingest/loaders.py).

    python scripts/readme_formats.py          # rewrite the table between the formats markers
    python scripts/readme_formats.py --check  # exit 1 if the README's table is out of date
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.loaders import formats_table  # noqa: E402

README = ROOT / "README.md"
_BLOCK = re.compile(r"(<!-- formats:[^\n]*-->\n)(.*?)(<!-- /formats -->)", re.S)


def updated(text: str) -> str:
    if not _BLOCK.search(text):
        raise SystemExit("README.md has no <!-- formats: ... --> ... <!-- /formats --> block")
    return _BLOCK.sub(lambda m: m.group(1) + formats_table() + "\n" + m.group(3), text, count=1)


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = updated(text)
    if "--check" in argv:
        if new != text:
            print("README.md: the formats table is out of date; run scripts/readme_formats.py")
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
