#!/usr/bin/env python3
"""docs/errors.md must quote every diagnostic message of core/diagnostics.hpp verbatim, and each
compile-time message must end with the pointer to its code's entry ("See docs/errors.md#tt-e02."),
an anchor that docs/errors.md has (<a id="tt-e02">)."""
import re
import sys

header, doc = sys.argv[1], sys.argv[2]
text = open(header, encoding="utf-8").read()
docs = open(doc, encoding="utf-8").read()
missing = []
defines = re.findall(r'^#define (TT_E\w+)\b', text, re.M)
checked = 0
# a message on its own line or continued over several (each a string literal)
for m in re.finditer(r'#define (TT_E\w+)((?:\s*\\\n\s+".*")+|(?: ".*"))\n', text):
    checked += 1
    message = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))).replace('\\"', '"')
    if message not in docs:
        missing.append(m.group(1))
    else:
        print(f"{m.group(1)}: quoted")
    code = re.match(r"TT-E(\d\d)", message)
    pointer = f" See docs/errors.md#tt-e{code.group(1)}." if code else None
    if "RUNTIME" not in m.group(1):
        if not pointer or not message.endswith(pointer):
            missing.append(f"{m.group(1)} (does not end with the pointer{pointer or ''})")
        elif f'<a id="tt-e{code.group(1)}"></a>' not in docs:
            missing.append(f"{m.group(1)} (docs/errors.md has no anchor tt-e{code.group(1)})")
if checked == 0 or checked != len(defines):
    print(f"parsed {checked} of {len(defines)} TT_E* messages in {header}: the parser is out of date")
    sys.exit(1)
if missing:
    print("not quoted verbatim in docs/errors.md: " + ", ".join(missing))
sys.exit(1 if missing else 0)
