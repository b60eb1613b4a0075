#!/usr/bin/env python3
"""Every static_assert in include/ prints a coded message (a TT_E* macro of core/diagnostics.hpp,
or a literal starting "TT-E"), and every exception typetape throws is a tt::error (coded); the
file:line quotes of docs/errors.md's worked example point at the lines they show; the three copies
of the verdict's diagnostics in tape/tape.hpp (one in each function users call, to spare an
instantiation note) are the same code."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
bad = []
n_asserts = 0
for path in sorted((root / "include/typetape").rglob("*.hpp")):
    text = path.read_text(encoding="utf-8")
    rel = path.relative_to(root)
    for m in re.finditer(r"\bstatic_assert\s*\(", text):
        if text[: m.start()].rstrip().endswith("//") or "\n" not in text[text.rfind("\n", 0, m.start()) :m.start()] and text[text.rfind("\n", 0, m.start()) + 1 : m.start()].lstrip().startswith("//"):
            continue
        i, depth = m.end(), 1
        while depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        body = text[m.start() : i]
        n_asserts += 1
        line = text.count("\n", 0, m.start()) + 1
        literals = re.findall(r'"((?:[^"\\]|\\.)*)"', body)
        coded = re.search(r"\bTT_E\d\d\w*", body) or (literals and literals[0].startswith("TT-E"))
        if not coded:
            bad.append(f"{rel}:{line}: static_assert without a code: {body[:100]!r}")
    for m in re.finditer(r"\bthrow\s+([A-Za-z_:]+)", text):
        line = text.count("\n", 0, m.start()) + 1
        if text[text.rfind("\n", 0, m.start()) + 1 : m.start()].lstrip().startswith("//"):
            continue
        if not re.fullmatch(r"(tt::)?(error|\w+_error)", m.group(1)):
            bad.append(f"{rel}:{line}: throws {m.group(1)}, not a coded tt::error")

# docs/errors.md quotes compiler output as path:LINE:COL and the source line as "LINE | text"
doc = (root / "docs/errors.md").read_text(encoding="utf-8")
quotes = 0
for block in re.findall(r"```text\n(.*?)```", doc, re.S):
    last = None
    for ln in block.splitlines():
        m = re.match(r"(include/typetape/[\w/]+\.hpp):(\d+):\d+: error: static assertion failed: (TT-E\d\d)", ln)
        if m:
            quotes += 1
            src = (root / m.group(1)).read_text(encoding="utf-8").splitlines()
            last = (m.group(1), int(m.group(2)), src)
            code = m.group(3).replace("-", "_")
            if "static_assert" not in src[int(m.group(2)) - 1] or code not in src[int(m.group(2)) - 1]:
                bad.append(f"docs/errors.md quotes {m.group(1)}:{m.group(2)} for {m.group(3)}; "
                           "that line is not its static_assert")
        m = re.match(r"\s*(\d+) \| (.*)", ln)
        if m and last:
            quotes += 1
            if last[2][int(m.group(1)) - 1].strip() != m.group(2).strip():
                bad.append(f"docs/errors.md shows line {m.group(1)} of {last[0]} as {m.group(2).strip()!r}; "
                           f"it is {last[2][int(m.group(1)) - 1].strip()!r}")
# the verdict's diagnostics: three copies, the same tokens (indentation and wrapping aside)
tape = (root / "include/typetape/tape/tape.hpp").read_text(encoding="utf-8")
copies = re.findall(r"// verdict diagnostics: begin\n(.*?)// verdict diagnostics: end", tape, re.S)
if len(copies) != 3 or len({" ".join(c.split()) for c in copies}) != 1:
    bad.append(f"tape/tape.hpp: {len(copies)} copies of the verdict's diagnostics, "
               "expected 3 identical ones")
print(f"{n_asserts} static_asserts, {quotes} quoted lines checked, "
      f"{len(copies)} copies of the verdict's diagnostics compared")
for b in bad:
    print(b)
sys.exit(1 if bad or n_asserts == 0 or quotes == 0 else 0)
