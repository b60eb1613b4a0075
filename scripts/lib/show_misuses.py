#!/usr/bin/env python3
"""For the demo: compiles each misuse snippet and shows what the compiler says.

For every tests/compile_fail/*.cpp: its story (the leading comment), the
offending code (the branch compiled without -DTT_CONTROL), and the first lines
of the real diagnostic: the error, and the note that names the variable.
"""
import re
import subprocess
import sys
import textwrap

def misuse_code(text):
    out, keep = [], False
    for line in text.splitlines():
        s = line.strip()
        if s in ("#else", "#ifndef TT_CONTROL"):
            keep = True
        elif s.startswith("#endif"):
            keep = False
        elif keep:
            out.append(line.strip())
    return out

def main():
    include, files = sys.argv[1], sys.argv[2:]
    for path in files:
        text = open(path, encoding="utf-8").read()
        story = [l[3:] for l in text.splitlines() if l.startswith("// ")
                 and not re.match(r"// (expect|only|kind|name|link):", l)]
        only = re.search(r"^// only: (\S+)", text, re.M)
        cxx = "clang++" if only and only.group(1) == "clang" else "g++"
        flags = ["-std=c++20", "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                 "-fno-diagnostics-color", "-I", include]
        if cxx == "clang++":
            flags += ["-Wconsumed", "-Werror=consumed"]
        err = subprocess.run([cxx] + flags + [path], capture_output=True, text=True).stderr
        lines = err.splitlines()
        shown = [re.sub(r"^.*?(error|note): ", r"\1: ", l) for l in lines
                 if " error: " in l or "evaluates to false" in l or "due to requirement" in l]
        print(f"-- {path.split('/')[-1]}  ({cxx}, whole diagnostic: {len(lines)} lines)")
        for s in story:
            print("   " + s)
        for c in misuse_code(text):
            print("   | " + c)
        for s in shown[:2]:
            for i, w in enumerate(textwrap.wrap(s, 100)):
                print(("   > " if i == 0 else "     ") + w)
        print()

if __name__ == "__main__":
    main()
