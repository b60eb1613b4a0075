#!/usr/bin/env python3
"""The course in learn/: finding, compiling, running and checking its exercises.

scripts/learn is the learner's command (it runs main() below); tests/learn_check.py checks
the course itself with the same functions.

An exercise is learn/exercises/NN_topic.cpp, and its solution learn/solutions/NN_topic.cpp.
Its header comment carries, besides the prose:
  // shipped: TT-E03        what the exercise does as shipped: fails with that code, or
  // shipped: wrong value   compiles and prints a wrong result
  // expect: dy/dx = 6      the line the program must print (numbers compared with a tolerance)
  // hint: ...              one or more lines, shown after a failed attempt
An exercise that includes <typetape/tensor.hpp> or <typetape/nn.hpp> is compiled with the
tensor flags (xtensor, xsimd, and a cblas to link).

Progress lives in build-learn/state.json (git-ignored: /build*/): an exercise is done when
it has passed (compiled, run, printed the expected line) in its current content.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXERCISES = os.path.join(ROOT, "learn", "exercises")
SOLUTIONS = os.path.join(ROOT, "learn", "solutions")
BUILD = os.path.join(ROOT, "build-learn")
STATE = os.path.join(BUILD, "state.json")

REL_TOL = 1e-6
ABS_TOL = 1e-9
RUN_TIMEOUT = 60  # seconds; every exercise runs in milliseconds


# ---- exercises ---------------------------------------------------------------------------
class Exercise:
    def __init__(self, path):
        self.path = path
        self.file = os.path.basename(path)
        self.number = int(self.file.split("_", 1)[0])
        self.topic = self.file[:-4].split("_", 1)[1].replace("_", " ")
        text = open(path, encoding="utf-8").read()
        self.text = text
        self.title = text.splitlines()[0].lstrip("/ ").strip() if text else self.file
        self.shipped = _field(text, "shipped")
        self.expect = _field(text, "expect")
        self.hint = " ".join(" ".join(re.findall(r"^// hint: (.*?)\s*$", text, re.M)).split())
        self.todo = _paragraph(text, "TODO:")
        self.tensor = bool(re.search(r"#include <typetape/(tensor|nn)\.hpp>", text))

    @property
    def solution(self):
        return os.path.join(SOLUTIONS, self.file)

    @property
    def rel(self):
        return os.path.relpath(self.path, ROOT)

    def digest(self):
        return hashlib.sha256(open(self.path, "rb").read()).hexdigest()


def _field(text, key):
    m = re.search(rf"^// {key}: (.*?)\s*$", text, re.M)
    return m.group(1) if m else None


def _paragraph(text, start):
    """The comment paragraph that begins with `// start`, as one line."""
    lines, inside = [], False
    for line in text.splitlines():
        if not line.startswith("//"):
            break
        body = line[2:].strip()
        if body.startswith(start):
            inside = True
        elif inside and not body:
            break
        if inside:
            lines.append(body)
    return " ".join(lines)


def exercises(directory=EXERCISES):
    names = sorted(f for f in os.listdir(directory) if re.match(r"\d+_.*\.cpp$", f))
    return [Exercise(os.path.join(directory, f)) for f in names]


# ---- compiling and running -----------------------------------------------------------------
def compiler():
    return os.environ.get("CXX", "g++").split()


def family(cxx):
    try:
        out = subprocess.run(cxx + ["--version"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return None
    return "clang" if "clang" in out else "gcc"


_tensor_flags = None


def tensor_flags():
    """(compile flags, link flags) for an exercise with tensors: what pkg-config knows of
    xtensor, xsimd and OpenBLAS, else plain -lopenblas (Debian puts the headers on the default
    path). XTENSOR_USE_XSIMD is left undefined, as typetape's headers leave it: an exercise is
    one translation unit, so it is consistent either way."""
    global _tensor_flags
    if _tensor_flags is None:
        cflags, libs = [], []
        have = shutil.which("pkg-config") is not None
        for pkg in ("xtensor", "xsimd"):
            if have and subprocess.run(["pkg-config", "--exists", pkg]).returncode == 0:
                cflags += subprocess.run(["pkg-config", "--cflags", pkg], capture_output=True,
                                         text=True).stdout.split()
        if have and subprocess.run(["pkg-config", "--exists", "openblas"]).returncode == 0:
            cflags += subprocess.run(["pkg-config", "--cflags", "openblas"], capture_output=True,
                                     text=True).stdout.split()
            libs += subprocess.run(["pkg-config", "--libs", "openblas"], capture_output=True,
                                   text=True).stdout.split()
        else:
            libs.append("-lopenblas")
        _tensor_flags = (cflags, libs)
    return _tensor_flags


def flags(cxx, exercise, strict):
    """The learner's flags (warnings shown, not errors), or the tests' (strict: -Werror)."""
    f = ["-std=c++20", "-fno-diagnostics-color", "-Iinclude", "-Wall", "-Wextra"]  # from ROOT
    if strict:
        f.append("-Werror")
    if family(cxx) == "clang":  # a second use of a consumed tape is an error (README)
        f += ["-Wconsumed", "-Werror=consumed"]
    if exercise.tensor:
        f += tensor_flags()[0]
    return f


class Result:
    """What happened to one file: compiled? its diagnostic; ran? its output; and the time."""

    def __init__(self):
        self.compiled = False
        self.stderr = ""
        self.ran = False
        self.returncode = None
        self.output = ""
        self.run_stderr = ""
        self.seconds = 0.0

    @property
    def line(self):
        """The program's result: the last non-empty line it printed."""
        lines = [l for l in self.output.splitlines() if l.strip()]
        return lines[-1].strip() if lines else ""


def build(cxx, exercise, source, exe=None, strict=False, run=True):
    """Compiles `source` (the exercise's file or its solution) with the exercise's flags; with
    exe, links it there and runs it; without, only checks it (-fsyntax-only)."""
    r = Result()
    cmd = cxx + flags(cxx, exercise, strict)
    source = os.path.relpath(source, ROOT)  # the diagnostic names learn/exercises/...
    if exe:
        cmd += ["-o", exe, source] + (tensor_flags()[1] if exercise.tensor else [])
    else:
        cmd += ["-fsyntax-only", source]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    except FileNotFoundError:
        r.stderr = f"error: the compiler {cxx[0]!r} was not found (set CXX, or install it)"
        return r
    r.compiled = proc.returncode == 0
    r.stderr = proc.stderr
    if r.compiled and exe and run:
        try:
            p = subprocess.run([exe], capture_output=True, text=True, timeout=RUN_TIMEOUT)
            r.returncode, r.output, r.run_stderr = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            r.returncode, r.run_stderr = -1, f"(stopped after {RUN_TIMEOUT} s)"
        r.ran = True
    r.seconds = time.monotonic() - start
    return r


# ---- comparing results -------------------------------------------------------------------
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|nan)\b")


def _tokens(line):
    """A line as alternating text and numbers: text compared exactly (spaces collapsed),
    numbers with a tolerance."""
    parts, pos = [], 0
    for m in _NUMBER.finditer(line):
        parts.append(("text", " ".join(line[pos:m.start()].split())))
        parts.append(("number", float(m.group())))
        pos = m.end()
    parts.append(("text", " ".join(line[pos:].split())))
    return parts


def matches(expected, got):
    a, b = _tokens(expected), _tokens(got)
    if len(a) != len(b):
        return False
    for (ka, va), (kb, vb) in zip(a, b):
        if ka != kb:
            return False
        if ka == "text" and va != vb:
            return False
        if ka == "number" and not (abs(va - vb) <= ABS_TOL + REL_TOL * abs(va) or va == vb):
            return False
    return True


# ---- reading a diagnostic ------------------------------------------------------------------
def first_error_line(stderr):
    """The first line that says error: where tests/compile_fail/check.py looks for the code."""
    return next((l for l in stderr.splitlines() if "error" in l), "")


def coded_message(stderr):
    """The first TT-Exx message in a compiler's output, from the static_assert's line
    (g++: `static assertion failed: TT-E01: ...`; clang 14: `static_assert failed due to
    requirement '...' "TT-E01: ..."`), or None."""
    for line in stderr.splitlines():
        if "error" in line:
            m = re.search(r"(TT-E\d\d: .*)$", line)
            if m:
                # (clang quotes the message: unescape it)
                return m.group(1).rstrip().rstrip('"').replace('\\"', '"')
    return None


def named(stderr):
    """The name the diagnostic's condition is about (tt::name<'h', '0'> is "h0"), if any."""
    m = re.search(r"diag::\w+<tt::name<((?:'[^']*'(?:,\s*)?)+)>", stderr)
    return "".join(re.findall(r"'([^']*)'", m.group(1))) if m else None


def user_location(stderr, source):
    """The first place in `source` that the output points at (line, column), or None. Both
    compilers name the user's line first: g++ in `required from here` (before the error),
    clang in `in instantiation of ... requested here` (after it), or the error itself."""
    base = re.escape(os.path.basename(source))
    m = re.search(rf"(?:^|[\s/]){base}:(\d+):(\d+):", stderr, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


def summary(stderr, source, max_raw=14):
    """The diagnostic trimmed to what a learner needs: the coded message, the name it is
    about, and the user's line with its source; for an uncoded error, the first lines."""
    out = []
    message = coded_message(stderr)
    errors = sum(1 for l in stderr.splitlines() if re.search(r"\berror\b:", l))
    if message:
        out.append("error: " + message)
        name = named(stderr)
        if name:
            out.append(f"  about: {name}")
    else:
        lines = stderr.rstrip("\n").splitlines()
        out += lines[:max_raw]
        if len(lines) > max_raw:
            out.append(f"  ... ({len(lines) - max_raw} more lines)")
    loc = user_location(stderr, source)
    if message and loc:
        try:
            text = open(os.path.join(ROOT, source), encoding="utf-8").read().splitlines()
            src = text[loc[0] - 1]
        except (OSError, IndexError):
            src = ""
        rel = os.path.relpath(os.path.join(ROOT, source), ROOT)
        out.append(f"  at {rel}:{loc[0]}")
        out.append(f"  {loc[0]:4} | {src}")
    if message and errors > 1:
        out.append(f"  ({errors - 1} more error{'s' if errors > 2 else ''} in the whole diagnostic)")
    return out


# ---- progress ------------------------------------------------------------------------------
def load_state():
    try:
        with open(STATE, encoding="utf-8") as f:
            s = json.load(f)
    except (OSError, ValueError):
        s = {}
    s.setdefault("done", {})
    s.setdefault("attempts", {})
    return s


def save_state(s):
    os.makedirs(BUILD, exist_ok=True)
    tmp = STATE + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(s, f, indent=1, sort_keys=True)
    os.replace(tmp, STATE)


def is_done(state, ex):
    return state["done"].get(ex.file) == ex.digest()


# ---- the learner's command -----------------------------------------------------------------
def wrap(text, indent="  ", width=96, subsequent=None):
    return textwrap.fill(text, width, initial_indent=indent,
                         subsequent_indent=indent if subsequent is None else subsequent,
                         break_long_words=False, break_on_hyphens=False)


def attempt(ex, state, cxx):
    """Compiles, runs and checks one exercise; prints what happened; records progress.
    Returns True when it passes."""
    os.makedirs(BUILD, exist_ok=True)
    exe = os.path.join(BUILD, ex.file[:-4])
    print(f"== {ex.title}  ({ex.rel})")
    r = build(cxx, ex, ex.path, exe=exe)
    with open(exe + ".log", "w", encoding="utf-8") as f:
        f.write(r.stderr)
    failed_before = state["attempts"].get(ex.file, 0) > 0
    ok = False
    if not r.compiled:
        print("It does not compile yet:")
        for line in summary(r.stderr, ex.rel):
            if line.startswith("error: TT-E"):  # a long message: wrapped under its code
                print(wrap(line, indent="  ", subsequent="    "))
            else:
                print("  " + line)
        print(f"  (the whole diagnostic: {os.path.relpath(exe, ROOT)}.log)")
    elif r.returncode != 0:
        print(f"It compiles, but the program ended with status {r.returncode}:")
        for line in (r.output + r.run_stderr).strip().splitlines()[-8:]:
            print("  " + line)
    elif not matches(ex.expect, r.line):
        print("It compiles and runs, but prints a wrong result:")
        print(f"  printed:  {r.line}")
        print(f"  expected: {ex.expect}")
    else:
        ok = True
        if r.stderr.strip():
            print("Warnings (worth reading):")
            for line in r.stderr.strip().splitlines()[:10]:
                print("  " + line)
        print(f"Done: it prints {r.line!r}, as expected.")
    if ok:
        state["done"][ex.file] = ex.digest()
        state["attempts"].pop(ex.file, None)
    else:
        state["done"].pop(ex.file, None)
        if ex.todo:
            print(wrap(ex.todo))
        if failed_before and ex.hint:
            print(wrap("hint: " + ex.hint))
        elif ex.hint:
            print("  (edit the file and run scripts/learn again; a hint comes with the next "
                  "failure, or at once with scripts/learn --hint)")
        state["attempts"][ex.file] = state["attempts"].get(ex.file, 0) + 1
    save_state(state)
    return ok


def find(all_ex, key):
    if key.isdigit():
        hit = [e for e in all_ex if e.number == int(key)]
    else:
        hit = [e for e in all_ex if key in e.file]
    if len(hit) != 1:
        sys.exit(f"scripts/learn: no single exercise matches {key!r} (scripts/learn --list)")
    return hit[0]


def show_list(all_ex, state):
    current = next((e for e in all_ex if not is_done(state, e)), None)
    done = 0
    for e in all_ex:
        d = is_done(state, e)
        done += d
        mark = "done" if d else "not done"
        arrow = "  <- next" if e is current else ""
        tag = " (tensors)" if e.tensor and "tensor" not in e.topic else ""
        print(f"  {e.number:02}  {e.topic + tag:<34} {mark}{arrow}")
    print(f"{done} of {len(all_ex)} done. An exercise is done once scripts/learn has compiled, "
          "run and checked it as it is now.")


USAGE = """usage: scripts/learn            check the exercises in order, from the first one not done,
                               and stop at the first that does not pass yet
       scripts/learn N          check exercise N (a number, or part of its file name)
       scripts/learn --list     each exercise, done or not done
       scripts/learn --hint [N] the hint for the next exercise (or for N)
The exercises are in learn/exercises/; edit one, then run scripts/learn again.
CXX chooses the compiler (default g++)."""


def main(argv):
    all_ex = exercises()
    state = load_state()
    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if argv and argv[0] == "--list":
        show_list(all_ex, state)
        return 0
    if argv and argv[0] == "--hint":
        ex = find(all_ex, argv[1]) if len(argv) > 1 else \
            next((e for e in all_ex if not is_done(state, e)), None)
        if ex is None:
            print("Every exercise is done.")
        else:
            print(f"{ex.title}  ({ex.rel})")
            print(wrap("hint: " + (ex.hint or "(none)")))
        return 0
    if argv and argv[0].startswith("-"):
        print(USAGE)
        return 2
    cxx = compiler()
    if family(cxx) is None:
        print(f"scripts/learn: the compiler {cxx[0]!r} was not found (set CXX, or install it)")
        return 2
    if argv:
        ex = find(all_ex, argv[0])
        ok = attempt(ex, state, cxx)
        if ok:
            nxt = next((e for e in all_ex if not is_done(state, e)), None)
            print(f"Next: {nxt.title} (scripts/learn)" if nxt else "Every exercise is done.")
        return 0 if ok else 1
    todo = [e for e in all_ex if not is_done(state, e)]
    if not todo:
        print(f"All {len(all_ex)} exercises are done. (scripts/learn N checks one again.)")
        return 0
    for ex in todo:
        if not attempt(ex, state, cxx):
            left = sum(1 for e in all_ex if not is_done(state, e))
            print(f"[{len(all_ex) - left} of {len(all_ex)} done]")
            return 1
        print()
    print(f"All {len(all_ex)} exercises are done.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
