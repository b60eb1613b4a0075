#!/usr/bin/env python3
"""Checks the course in learn/: every exercise fails as shipped, in the way it says, and its
solution passes.

For each learn/exercises/NN_topic.cpp:
  - it has a TODO, a hint, `// shipped:` and `// expect:`, and learn/solutions/ has the same
    file, with the same `// expect:` line and a `// Solution:` paragraph (the analytic
    derivative the expected numbers come from);
  - as shipped, with the first compiler: `shipped: TT-Exx` must fail to compile with that code
    in the first error line (as tests/compile_fail/check.py asks), and scripts/learn's summary
    of the diagnostic must point at a line of the exercise; `shipped: wrong value` must
    compile warning-free, run, and print a line that does not match the expected one;
  - its solution, with every compiler, compiles with -Wall -Wextra -Werror, runs, and prints
    the expected line (numbers within a relative 1e-6).
Each file is compiled once per compiler. Ends with "learn: N passed, N failed (T s)", one
count per exercise; exits 1 on any failure.

usage: tests/learn_check.py [--cxx g++ --cxx clang++] [--shipped-cxx g++] [EXERCISE...]
(default: g++, and clang++ if it is installed; the shipped exercises with the first compiler)
"""
import argparse
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "scripts", "lib"))
import learn_course as lc  # noqa: E402


def check_layout(ex, problems):
    for key in ("shipped", "expect"):
        if not getattr(ex, key):
            problems.append(f"no `// {key}:` line")
    if not ex.hint:
        problems.append("no `// hint:` line")
    if not ex.todo:
        problems.append("no TODO paragraph")
    if ex.shipped and not re.fullmatch(r"TT-E\d\d|wrong value", ex.shipped):
        problems.append(f"`// shipped: {ex.shipped}` is neither a code TT-Enn nor `wrong value`")
    if not os.path.exists(ex.solution):
        problems.append(f"no solution {os.path.relpath(ex.solution, lc.ROOT)}")
        return False
    sol = lc.Exercise(ex.solution)
    if sol.expect != ex.expect:
        problems.append(f"the solution expects {sol.expect!r}, the exercise {ex.expect!r}")
    if "// Solution:" not in sol.text:
        problems.append("the solution has no `// Solution:` paragraph")
    if sol.tensor != ex.tensor:
        problems.append("the exercise and its solution differ in needing tensors")
    return True


def check_shipped(ex, cxx, tmp, problems):
    name = os.path.basename(cxx[0])
    if ex.shipped == "wrong value":
        r = lc.build(cxx, ex, ex.path, exe=os.path.join(tmp, "shipped"), strict=True)
        if not r.compiled:
            problems.append(f"shipped [{name}]: does not compile, but should print a wrong value:\n"
                            + r.stderr[:3000])
        elif r.returncode != 0:
            problems.append(f"shipped [{name}]: exits with {r.returncode}\n{r.run_stderr[:2000]}")
        elif lc.matches(ex.expect, r.line):
            problems.append(f"shipped [{name}]: prints the expected {r.line!r} already")
        return r.seconds, f"wrong value {r.line!r}"
    r = lc.build(cxx, ex, ex.path, strict=True)
    first = lc.first_error_line(r.stderr)
    if r.compiled:
        problems.append(f"shipped [{name}]: compiles, but must fail with {ex.shipped}")
    elif ex.shipped not in first:
        problems.append(f"shipped [{name}]: the first error line does not carry {ex.shipped}: "
                        f"{first!r}")
    elif not any(l.strip().startswith("at learn/exercises/")
                 for l in lc.summary(r.stderr, ex.rel)):
        problems.append(f"shipped [{name}]: scripts/learn's summary finds no line of the "
                        "exercise in the diagnostic:\n" + r.stderr[:3000])
    return r.seconds, ex.shipped


def check_solution(ex, cxx, tmp, problems):
    name = os.path.basename(cxx[0])
    r = lc.build(cxx, ex, ex.solution, exe=os.path.join(tmp, "solution"), strict=True)
    if not r.compiled:
        problems.append(f"solution [{name}]: does not compile cleanly:\n" + r.stderr[:3000])
    elif r.returncode != 0:
        problems.append(f"solution [{name}]: exits with {r.returncode}\n{r.run_stderr[:2000]}")
    elif not lc.matches(ex.expect, r.line):
        problems.append(f"solution [{name}]: prints {r.line!r}, expected {ex.expect!r}")
    return r.seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cxx", action="append", help="a compiler for the solutions (repeatable)")
    ap.add_argument("--shipped-cxx", help="the compiler for the shipped exercises")
    ap.add_argument("only", nargs="*", help="exercise numbers or parts of file names")
    args = ap.parse_args()
    compilers = args.cxx or ["g++"] + (["clang++"] if shutil.which("clang++") else [])
    compilers = [c.split() for c in compilers]
    shipped_cxx = args.shipped_cxx.split() if args.shipped_cxx else compilers[0]
    for c in compilers + [shipped_cxx]:
        if lc.family(c) is None:
            print(f"learn: compiler {c[0]!r} not found")
            return 2

    all_ex = lc.exercises()
    passed = failed = 0
    start = time.monotonic()

    layout = []
    numbers = [e.number for e in all_ex]
    if numbers != list(range(1, len(all_ex) + 1)):
        layout.append(f"the exercises are not numbered 1..{len(all_ex)}: {numbers}")
    extra = sorted(set(os.listdir(lc.SOLUTIONS)) - {e.file for e in all_ex})
    if extra:
        layout.append(f"solutions without an exercise: {extra}")
    if layout:
        failed += 1
        for p in layout:
            print("FAIL learn: " + p)

    selected = all_ex
    if args.only:
        selected = [e for e in all_ex
                    if any((k.isdigit() and e.number == int(k)) or (not k.isdigit() and k in e.file)
                           for k in args.only)]
    with tempfile.TemporaryDirectory() as tmp:
        for ex in selected:
            problems = []
            times = []
            if check_layout(ex, problems):
                t, what = check_shipped(ex, shipped_cxx, tmp, problems)
                times.append(f"shipped {os.path.basename(shipped_cxx[0])} {t:.1f} s")
                for c in compilers:
                    t = check_solution(ex, c, tmp, problems)
                    times.append(f"solution {os.path.basename(c[0])} {t:.1f} s")
            else:
                what = "?"
            status = "ok  " if not problems else "FAIL"
            print(f"[learn] {status} {ex.file:<28} {what:<12} ({', '.join(times)})")
            for p in problems:
                print("    " + p.replace("\n", "\n    "))
            if problems:
                failed += 1
            else:
                passed += 1
    tensors = sum(e.tensor for e in all_ex)
    print(f"({len(all_ex)} exercises, {tensors} with tensors; solutions on "
          f"{', '.join(c[0] for c in compilers)}; shipped on {shipped_cxx[0]})")
    print(f"learn: {passed} passed, {failed} failed ({time.monotonic() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
