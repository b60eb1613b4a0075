"""Checks that include/typetape/version.hpp states the project version meson.build declares.

Usage: check_version.py VERSION_HPP PROJECT_VERSION
"""
import re
import sys


def main():
    header, project_version = sys.argv[1], sys.argv[2]
    text = open(header, encoding="utf-8").read()
    parts = []
    for part in ("MAJOR", "MINOR", "PATCH"):
        m = re.search(r"#define TYPETAPE_VERSION_" + part + r" (\d+)\b", text)
        if not m:
            sys.exit(f"{header}: no TYPETAPE_VERSION_{part}")
        parts.append(m.group(1))
    m = re.search(r'#define TYPETAPE_VERSION_STRING "([^"]*)"', text)
    if not m:
        sys.exit(f"{header}: no TYPETAPE_VERSION_STRING")
    numbers = ".".join(parts)
    if m.group(1) != numbers or numbers != project_version:
        sys.exit(f"version.hpp says {numbers} (string \"{m.group(1)}\"), meson.build {project_version}")
    print(f"version.hpp and meson.build agree: {numbers}")


main()
