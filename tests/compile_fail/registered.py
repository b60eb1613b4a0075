#!/usr/bin/env python3
"""Every snippet in tests/compile_fail/ is registered in tests/meson.build (a snippet that
is not would never run), and every registered one exists.

usage: registered.py TESTS_DIR
"""
import os
import re
import sys

tests = sys.argv[1]
build = open(os.path.join(tests, "meson.build"), encoding="utf-8").read()
listed = set(re.findall(r"'([a-z0-9_]+\.cpp)'", build[build.index("compile_fail_snippets = ["):]))
present = {f for f in os.listdir(os.path.join(tests, "compile_fail")) if f.endswith(".cpp")}
for f in sorted(present - listed):
    print(f"not registered in tests/meson.build: compile_fail/{f}")
for f in sorted(listed - present):
    print(f"registered but missing: compile_fail/{f}")
print(f"{len(present & listed)} snippets registered")
sys.exit(1 if present != listed else 0)
