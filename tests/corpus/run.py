#!/usr/bin/env python3
"""The misuse corpus (tests/corpus/misuse.cpp), with one compiler.

usage: run.py --include DIR [--link ARGS] (--misuse | --legit) CORPUS CXX [CXX-ARGS...]

--misuse: each case alone (-DCASE=n) must fail to compile with the code and the kind its
`// case` line gives in the first error line, the variable's name somewhere (as
tt::name<'x', ...>), and at most 12 lines in all (compile_fail/check.py's rules), or on clang
the number a case line states with its reason (`| clang: 15 lines`).
--legit: every case's correct twin, in one program, must compile cleanly and run (exit 0:
each twin checks TensorFlow's value).
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "compile_fail"))
from check import MAX_LINES, base_flags as flags, family, name_pattern  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--include", required=True)
    ap.add_argument("--link", default="-lopenblas")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--misuse", action="store_true")
    mode.add_argument("--legit", action="store_true")
    ap.add_argument("corpus")
    ap.add_argument("cxx", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    fam = family(args.cxx)
    text = open(args.corpus, encoding="utf-8").read()
    cases = re.findall(r"^// case (\d+): (TT-E\d\d) \| kind: (.+?) \| name: (\S+) \| in: (.+?)"
                       r"(?: \| clang: (\d+) lines)?$", text, re.M)
    guards = re.findall(r"^#if !defined\(CASE\) \|\| CASE == (\d+)$", text, re.M)
    if not cases or [c[0] for c in cases] != guards:
        print(f"the case lines ({[c[0] for c in cases]}) and the CASE guards ({guards}) differ")
        return 1

    if args.legit:
        with tempfile.TemporaryDirectory() as tmp:
            exe = os.path.join(tmp, "legit")
            proc = subprocess.run(args.cxx + flags(fam, args.include) + ["-O1", "-o", exe, args.corpus]
                                  + args.link.split(), capture_output=True, text=True)
            if proc.returncode != 0 or proc.stderr.strip():
                print("the legitimate programs do not compile cleanly:\n" + proc.stderr)
                return 1
            run = subprocess.run([exe], capture_output=True, text=True)
            print(run.stdout, end="")
            return run.returncode

    failures = 0
    for n, code, kind, name, where, clang_max in cases:
        limit = int(clang_max) if clang_max and fam == "clang" else MAX_LINES
        proc = subprocess.run(args.cxx + flags(fam, args.include) + ["-fsyntax-only", f"-DCASE={n}", args.corpus],
                              capture_output=True, text=True)
        lines = proc.stderr.rstrip("\n").split("\n") if proc.stderr.strip() else []
        first = next((l for l in lines if "error" in l), "")
        problems = []
        if proc.returncode == 0:
            problems.append("compiled")
        elif code not in first or kind not in first:
            problems.append(f"first error line lacks {code!r} or {kind!r}: {first[:300]!r}")
        if name != "-":
            if not re.search(name_pattern(name), proc.stderr):
                problems.append(f"does not name {name!r}")
        if len(lines) > limit:
            problems.append(f"{len(lines)} lines (at most {limit})")
        status = "FAIL" if problems else "ok"
        print(f"case {n} [{fam}] {code} in {where}: {len(lines)} lines: {status} {'; '.join(problems)}")
        if problems:
            print("\n".join(lines))
            failures += 1
    print(f"{len(cases)} misuses, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
