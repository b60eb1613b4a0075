#!/usr/bin/env python3
"""Checks the example programs of docs/errors.md: each broken one fails with its section's code,
each fixed one compiles warning-free, runs, and prints what its comments say.

An example is a ```cpp block whose first line names it:
  // errors.md example: tt-e01 broken, does not compile: TT-E01
  // errors.md example: tt-e10 broken, throws TT-E10
  // errors.md example: tt-e04 broken, throws TT-E04 (with clang -Wconsumed: does not compile)
  // errors.md example: tt-e01 fixed
It must sit in the section of its code (after `<a id="tt-e01"></a>`, before the next anchor),
and every section needs at least one broken and one fixed example. A fixed example is checked
with each compiler (g++, and clang++ if it is installed; on clang with -Wconsumed
-Werror=consumed, as the README asks), a broken one with the first (and TT-E04's on clang too):
  - `does not compile: TT-Enn`: -fsyntax-only fails, and the first error line carries TT-Enn;
  - `throws TT-Enn`: compiles with -Wall -Wextra -Werror, runs, exits with 1 and prints a message
    with TT-Enn (the convention of errors.md: main catches tt::error and prints e.what());
    `(with clang -Wconsumed: does not compile)`: on clang, -fsyntax-only fails and the first
    error line says 'consumed';
  - fixed: compiles with -Wall -Wextra -Werror, runs, exits with 0, and prints, line by line, the
    lines its `// prints: TEXT` comments give (TEXT up to a '(' that explains the value; numbers
    compared within a relative 1e-6, as scripts/learn does).
Examples that include <typetape/tensor.hpp> or <typetape/nn.hpp> get the tensor flags of
scripts/lib/learn_course.py. Each example is compiled once per compiler it is checked with. Prints one line per
example and ends with "errors.md: N passed, N failed (T s)", one count per example; exits 1 on
any failure.

usage: tests/errors_examples.py [--cxx g++ --cxx clang++] [tt-e04 ...]
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
import learn_course as lc  # noqa: E402  (compiling, running, comparing printed lines)

DOC = os.path.join(lc.ROOT, "docs", "errors.md")
MARK = re.compile(r"^// errors\.md example: tt-e(\d\d) (broken|fixed)(.*)$")
BROKEN = re.compile(r"^, (does not compile: |throws )(TT-E\d\d)"
                    r"( \(with clang -Wconsumed: does not compile\))?$")


class Example:
    def __init__(self, text, line, section):
        self.text = text
        self.line = line  # of the ```cpp fence in errors.md
        self.section = section  # "01", from the last anchor before the block
        first = text.splitlines()[0] if text else ""
        m = MARK.match(first)
        self.problems = []
        self.code = self.kind = self.expect = None
        self.consumed_on_clang = False
        if not m:
            self.problems.append(f"line 1 is not `// errors.md example: tt-eNN broken|fixed`: "
                                 f"{first!r}")
            self.name = f"line {line}"
            return
        self.number, self.kind = m.group(1), m.group(2)
        self.name = f"tt-e{self.number} {self.kind}"
        if self.number != section:
            self.problems.append(f"it is in the section of tt-e{section}")
        if self.kind == "broken":
            b = BROKEN.match(m.group(3))
            if not b:
                self.problems.append("a broken example says `, does not compile: TT-Enn` or "
                                     f"`, throws TT-Enn`; it says {m.group(3)!r}")
            else:
                self.expect = "compile" if b.group(1).startswith("does") else "throw"
                self.code = b.group(2)
                self.consumed_on_clang = bool(b.group(3))
                if self.code != f"TT-E{self.number}":
                    self.problems.append(f"it expects {self.code} in the section of "
                                         f"TT-E{self.number}")
        else:
            if m.group(3).strip():
                self.problems.append(f"unexpected words after `fixed`: {m.group(3)!r}")
            self.prints = [p.split("(")[0].strip()
                           for p in re.findall(r"// prints: (.*?)\s*$", text, re.M)]
            if not self.prints:
                self.problems.append("a fixed example states what it prints: `// prints: ...`")
        # what learn_course.flags and .build need of "an exercise"
        self.tensor = bool(re.search(r"#include <typetape/(tensor|nn)\.hpp>", text))


def examples(doc_text):
    """Every ```cpp block whose first line is an example's mark (other cpp blocks are prose)."""
    found = []
    anchors = [(m.start(), m.group(1)) for m in re.finditer(r'<a id="tt-e(\d\d)"></a>', doc_text)]
    for m in re.finditer(r"^```cpp\n(.*?)^```", doc_text, re.M | re.S):
        body = m.group(1)
        if not body.startswith("// errors.md example:"):
            continue
        before = [n for pos, n in anchors if pos < m.start()]
        line = doc_text.count("\n", 0, m.start()) + 1
        found.append(Example(body, line, before[-1] if before else "??"))
    sections = [n for _, n in anchors]
    return found, sections


def check(ex, cxx, tmp):
    """Problems of one example on one compiler, and the seconds it took."""
    name = os.path.basename(cxx[0])
    clang = lc.family(cxx) == "clang"
    src = os.path.join(tmp, f"{ex.name.replace(' ', '_')}.cpp")
    with open(src, "w", encoding="utf-8") as f:
        f.write(ex.text)
    problems = []
    exe = os.path.join(tmp, "prog")
    if ex.kind == "broken" and (ex.expect == "compile" or (ex.consumed_on_clang and clang)):
        r = lc.build(cxx, ex, src, strict=True)  # -fsyntax-only
        want = "consumed" if ex.expect == "throw" else ex.code
        first = lc.first_error_line(r.stderr)
        if r.compiled:
            problems.append(f"[{name}] compiles, but must fail with {want}")
        elif want not in first:
            problems.append(f"[{name}] the first error line does not carry {want}: {first!r}\n"
                            + r.stderr[:2000])
        return problems, r.seconds
    r = lc.build(cxx, ex, src, exe=exe, strict=True)
    if not r.compiled:
        problems.append(f"[{name}] does not compile with -Wall -Wextra -Werror:\n"
                        + r.stderr[:3000])
    elif ex.kind == "broken":
        said = r.output + r.run_stderr
        if r.returncode != 1:
            problems.append(f"[{name}] exits with {r.returncode}, not 1 (the caught exception)")
        if ex.code not in said:
            problems.append(f"[{name}] prints no {ex.code}: {said[:500]!r}")
    else:
        lines = [l.strip() for l in r.output.splitlines() if l.strip()]
        if r.returncode != 0:
            problems.append(f"[{name}] exits with {r.returncode}\n{r.run_stderr[:1000]}")
        elif len(lines) != len(ex.prints) or not all(
                lc.matches(want, got) for want, got in zip(ex.prints, lines)):
            problems.append(f"[{name}] prints {lines!r}, errors.md says {ex.prints!r}")
    return problems, r.seconds


def compilers_for(ex, compilers):
    """A fixed example runs on every compiler; a broken one on the first (as tests/learn_check.py
    checks a shipped exercise), and TT-E04's also on clang, where it does not compile."""
    if ex.kind == "fixed":
        return compilers
    return [compilers[0]] + [c for c in compilers[1:]
                             if ex.consumed_on_clang and lc.family(c) == "clang"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cxx", action="append", help="a compiler (repeatable)")
    ap.add_argument("only", nargs="*", help="codes to check, e.g. tt-e04")
    args = ap.parse_args()
    compilers = args.cxx or ["g++"] + (["clang++"] if shutil.which("clang++") else [])
    compilers = [c.split() for c in compilers]
    for c in compilers:
        if lc.family(c) is None:
            print(f"errors.md examples: compiler {c[0]!r} not found")
            return 2

    start = time.monotonic()
    all_ex, sections = examples(open(DOC, encoding="utf-8").read())
    passed = failed = 0
    layout = []
    for n in sections:
        kinds = {e.kind for e in all_ex if e.section == n}
        for k in ("broken", "fixed"):
            if k not in kinds:
                layout.append(f"the section tt-e{n} has no {k} example")
    if not sections:
        layout.append("no <a id=\"tt-eNN\"></a> anchors found")
    if layout:
        failed += 1
        for p in layout:
            print("FAIL errors.md: " + p)

    selected = [e for e in all_ex
                if not args.only or any(f"tt-e{e.section}" == k.lower() for k in args.only)]
    with tempfile.TemporaryDirectory() as tmp:
        for ex in selected:
            problems, times = list(ex.problems), []
            if not problems:
                for c in compilers_for(ex, compilers):
                    p, t = check(ex, c, tmp)
                    problems += p
                    times.append(f"{os.path.basename(c[0])} {t:.1f} s")
            if ex.kind == "fixed" and not ex.problems:
                what = "prints " + " / ".join(ex.prints)
            elif ex.kind == "broken" and not ex.problems:
                what = ("does not compile: " if ex.expect == "compile" else "throws ") + ex.code
                if ex.consumed_on_clang:
                    what += " (clang: consumed)"
            else:
                what = "?"
            status = "ok  " if not problems else "FAIL"
            print(f"[errors.md] {status} {ex.name:<16} {what:<30} ({', '.join(times)}; "
                  f"errors.md line {ex.line})")
            for p in problems:
                print("    " + p.replace("\n", "\n    "))
            if problems:
                failed += 1
            else:
                passed += 1
    print(f"({len(all_ex)} examples in {len(sections)} sections, "
          f"{sum(e.tensor for e in all_ex)} with tensors; on "
          f"{', '.join(c[0] for c in compilers)})")
    print(f"errors.md: {passed} passed, {failed} failed ({time.monotonic() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
