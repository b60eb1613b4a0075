#!/usr/bin/env python3
"""Compile-fail check for one snippet, with one compiler.

The snippet must compile cleanly with -DTT_CONTROL (its twin), and the twin,
built and run, must exit 0 (its return value checks the gradient it computes);
without the define it must fail: the first error line must carry the expected
code (`// expect: TT-E01`) and, where given, the words that say which kind of
misuse it is (`// kind: stop_gradient`); the offending variable's name must be
readable somewhere in it (`// name: x`, printed as tt::name<'x'>); and the
whole diagnostic must fit in MAX_LINES lines. `// only: clang` limits a snippet
to one compiler family (exit 77: skipped); `// link: -lopenblas` adds link
arguments for the twin (the tensor snippets need BLAS).

usage: check.py --include DIR [--max-lines N] [--show] SNIPPET CXX [CXX-ARGS...]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

MAX_LINES = 12


def family(cxx):
    out = subprocess.run(cxx + ["--version"], capture_output=True, text=True).stdout
    return "clang" if "clang" in out else "gcc"


def base_flags(fam, include):
    """What every snippet (and tests/corpus/run.py's cases) is compiled with."""
    flags = ["-std=c++20", "-Wall", "-Wextra", "-Werror", "-fno-diagnostics-color", "-I", include]
    if fam == "clang":
        flags += ["-Wconsumed", "-Werror=consumed"]
    return flags


def name_pattern(name):
    """How the compilers print the variable `name`: tt::name<'x', 'y'>."""
    return r"name<" + r",\s*".join(re.escape(f"'{c}'") for c in name) + ">"


def compile_snippet(cxx, fam, include, snippet, control, output=None, link=()):
    flags = base_flags(fam, include)
    flags += ["-o", output] if output else ["-fsyntax-only"]
    if control:
        flags.append("-DTT_CONTROL")
    proc = subprocess.run(cxx + flags + [snippet] + (list(link) if output else []),
                          capture_output=True, text=True)
    return proc.returncode, proc.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--include", required=True)
    ap.add_argument("--max-lines", type=int, default=MAX_LINES)
    ap.add_argument("--show", action="store_true", help="print the diagnostic and exit 0")
    ap.add_argument("snippet")
    ap.add_argument("cxx", nargs=argparse.REMAINDER)
    args = ap.parse_args()

    text = open(args.snippet, encoding="utf-8").read()
    expect = re.search(r"^// expect: (.+?)\s*$", text, re.M).group(1)
    only = re.search(r"^// only: (\S+)", text, re.M)
    fam = family(args.cxx)
    if only and only.group(1) != fam:
        print(f"skipped: {args.snippet} is {only.group(1)}-only")
        return 77

    rc, err = compile_snippet(args.cxx, fam, args.include, args.snippet, control=False)
    lines = err.rstrip("\n").split("\n") if err.strip() else []
    if args.show:
        print("\n".join(lines))
        return 0
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "twin")
        link = re.search(r"^// link: (.+)$", text, re.M)
        crc, cerr = compile_snippet(args.cxx, fam, args.include, args.snippet, control=True, output=exe,
                                    link=link.group(1).split() if link else ())
        if crc != 0 or cerr.strip():
            problems.append("the control twin (-DTT_CONTROL) does not compile cleanly:\n" + cerr)
        elif subprocess.run([exe]).returncode != 0:
            problems.append("the control twin (-DTT_CONTROL) runs but its gradient check fails")
    if rc == 0:
        problems.append("the snippet compiled, but must fail with " + expect)
    first_error = next((l for l in lines if "error" in l), "")
    if rc != 0 and expect not in first_error:
        problems.append(f"the first error line does not name {expect}: {first_error!r}")
    kind = re.search(r"^// kind: (.+)$", text, re.M)
    if rc != 0 and kind and kind.group(1).strip() not in first_error:
        problems.append(f"the first error line does not say {kind.group(1).strip()!r}: {first_error!r}")
    name = re.search(r"^// name: (\S+)$", text, re.M)
    if name:
        printed = name_pattern(name.group(1))
        if not re.search(printed, err):
            problems.append(f"the diagnostic does not name the variable {name.group(1)!r} ({printed})")
    if len(lines) > args.max_lines:
        problems.append(f"the diagnostic has {len(lines)} lines (at most {args.max_lines})")

    print(f"{args.snippet} [{fam}]: {len(lines)} lines, expects {expect}")
    print("\n".join(lines))
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
