#!/usr/bin/env python3
"""Keeps the code blocks of docs/*.md equal to regions of the compiled examples.

A page's snippet is only worth reading if it still compiles, and the examples are compiled by the
test command; so every C++ block in a page is a copy of a marked region of an example, and this
script says when a copy has gone stale.

In an example, a region is the lines between two comment lines:

    // [docs:<region>]
    ...
    // [docs:end]

In a page, the line right before the fenced block names the file and the region:

    <!-- example: examples/<file>.cpp <region> -->
    ```cpp
    ...
    ```

A block equals the region's lines without the marker lines, with their common indentation
removed.

  tools/docs_examples.py --check   exits 1, naming the page, file and region of each stale block
                                   (and any marker that names no region or file)
  tools/docs_examples.py           rewrites every block from its region

--root DIR runs on another checkout (the default is the one this script is in).
"""
import argparse
import pathlib
import re
import sys
import textwrap

START = re.compile(r"^\s*//\s*\[docs:([A-Za-z0-9_.-]+)\]\s*$")
MARKER = re.compile(r"^<!--\s*example:\s*(\S+)\s+([A-Za-z0-9_.-]+)\s*-->\s*$")
FENCE = re.compile(r"^```")


class Problem(Exception):
    pass


def regions(path: pathlib.Path) -> dict:
    """The regions of one example, by name, as text without markers or common indentation."""
    found = {}
    current = None
    lines = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        m = START.match(line)
        if m is None:
            if current is not None:
                lines.append(line)
            continue
        name = m.group(1)
        if name == "end":
            if current is None:
                raise Problem(f"{path}:{number}: '// [docs:end]' with no region open")
            found[current] = textwrap.dedent("\n".join(lines)).strip("\n")
            current = None
            continue
        if current is not None:
            raise Problem(f"{path}:{number}: region '{name}' starts inside region '{current}' (regions do not nest)")
        if name in found:
            raise Problem(f"{path}:{number}: region '{name}' is marked twice")
        current, lines = name, []
    if current is not None:
        raise Problem(f"{path}: region '{current}' has no '// [docs:end]'")
    return found


def blocks(text: str, page: str):
    """(file, region, first line of the block's body, line past its end) for each marked block."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        if m is None:
            i += 1
            continue
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```cpp"):
            raise Problem(f"{page}:{i + 1}: the example marker must be followed at once by a ```cpp block")
        end = i + 2
        while end < len(lines) and not FENCE.match(lines[end]):
            end += 1
        if end == len(lines):
            raise Problem(f"{page}:{i + 2}: the ```cpp block is never closed")
        yield m.group(1), m.group(2), i + 2, end
        i = end + 1


def run(root: pathlib.Path, check: bool) -> int:
    cache = {}
    stale = []
    pages = sorted((root / "docs").glob("*.md"))
    for page in pages:
        rel_page = page.relative_to(root).as_posix()
        text = page.read_text()
        lines = text.split("\n")
        replacements = []
        for file, region, body, end in blocks(text, rel_page):
            example = root / file
            if file not in cache:
                if not example.is_file():
                    raise Problem(f"{rel_page}:{body - 1}: names {file}, which does not exist")
                cache[file] = regions(example)
            if region not in cache[file]:
                raise Problem(f"{rel_page}:{body - 1}: {file} has no region '{region}' (mark it with // [docs:{region}])")
            wanted = cache[file][region]
            have = "\n".join(lines[body:end])
            if have != wanted:
                stale.append(f"{rel_page}:{body}: the block of {file} region '{region}' differs from the example")
                replacements.append((body, end, wanted.split("\n")))
        if replacements and not check:
            for body, end, new in reversed(replacements):
                lines[body:end] = new
            page.write_text("\n".join(lines))
    if check:
        for s in stale:
            print(s, file=sys.stderr)
        if stale:
            print("run tools/docs_examples.py to copy the examples' regions into the pages", file=sys.stderr)
            return 1
        print(f"docs_examples: every marked block of {len(pages)} pages equals its example's region")
        return 0
    for s in stale:
        print("rewrote " + s.split(": the block", 1)[0] + " from its example")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="fail on a stale block instead of rewriting it")
    parser.add_argument("--root", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    try:
        return run(args.root.resolve(), args.check)
    except Problem as p:
        print(f"docs_examples: {p}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
