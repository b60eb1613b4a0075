#!/usr/bin/env python3
"""Prints a markdown table: the line count of each compile-fail diagnostic on g++ and clang++.

usage: python3 scripts/lib/diagnostic_lines.py   (from the repository root)
"""
import glob
import re
import subprocess

rows = ["| snippet | code | g++ 12 | clang 14 |", "|---|---|---|---|"]
for path in sorted(glob.glob("tests/compile_fail/*.cpp")):
    text = open(path, encoding="utf-8").read()
    code = re.search(r"^// expect: (.+?)\s*$", text, re.M).group(1)
    counts = []
    for cxx in ("g++", "clang++"):
        out = subprocess.run(["python3", "tests/compile_fail/check.py", "--include", "include",
                              "--show", path, cxx], capture_output=True, text=True).stdout
        counts.append("—" if out.startswith("skipped") else str(len(out.rstrip("\n").split("\n"))))
    rows.append(f"| `{path.split('/')[-1]}` | {code} | {counts[0]} | {counts[1]} |")
print("\n".join(rows))
