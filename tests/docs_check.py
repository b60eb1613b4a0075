#!/usr/bin/env python3
"""docs/errors.md must quote every diagnostic message of core/diagnostics.hpp verbatim."""
import re
import sys

header, doc = sys.argv[1], sys.argv[2]
text = open(header, encoding="utf-8").read()
docs = open(doc, encoding="utf-8").read()
missing = []
for m in re.finditer(r'#define (TT_E\w+) \\\n((?:\s+".*"(?: \\)?\n)+)', text):
    message = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))).replace('\\"', '"')
    if message not in docs:
        missing.append(m.group(1))
    else:
        print(f"{m.group(1)}: quoted")
if missing:
    print("not quoted verbatim in docs/errors.md: " + ", ".join(missing))
sys.exit(1 if missing else 0)
