#!/usr/bin/env python3
"""Prints the files in a folder with a given suffix, sorted, one per line (meson has no glob)."""
import pathlib
import sys

folder, suffix = pathlib.Path(sys.argv[1]), sys.argv[2]
for p in sorted(folder.glob("*" + suffix)):
    print(p.as_posix())
