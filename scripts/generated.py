"""Writing generated data files, or checking them (`--check`) against what
their generator produces now. Shared by the scripts/gen_*.py generators."""

import difflib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def check_or_write(outputs, check: bool, script: str, unit: str = "lines",
                   header_lines: int = 0) -> int:
    """For each (path, text) of `outputs`: with `check`, compare the file
    with `text` and print a short diff when they differ; else write it.
    Returns the exit status: 1 when a checked file is out of date."""
    status = 0
    for path, text in outputs:
        rel = path.relative_to(ROOT)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {rel}: {text.count(chr(10)) - header_lines} {unit}")
            continue
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == text:
            print(f"{rel} is up to date")
            continue
        diff = difflib.unified_diff(current.splitlines(), text.splitlines(),
                                    str(rel), "generated", lineterm="", n=0)
        for i, line in enumerate(diff):
            if i >= 40:
                print("...", file=sys.stderr)
                break
            print(line, file=sys.stderr)
        print(f"{rel} is out of date: run {script}", file=sys.stderr)
        status = 1
    return status
