#!/usr/bin/env python3
"""Lists Swift functions and initialisers longer than a limit (default 70 lines), counting from the
declaration to its closing brace. Usage: python3 tools/long-functions.py [LIMIT] [PATH ...]"""
import re, sys, glob

limit = int(sys.argv[1]) if len(sys.argv) > 1 else 70
paths = sys.argv[2:] or glob.glob("Sources/**/*.swift", recursive=True)
declaration = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|static|mutating|override|final|nonisolated|convenience|required)\s+)*(?:func\s|init[?(<])")
found = []
for path in paths:
    lines = open(path, encoding="utf-8").read().split("\n")
    for start, line in enumerate(lines):
        if not declaration.match(line):
            continue
        depth, opened = 0, False
        for end in range(start, len(lines)):
            text = re.sub(r'"(?:\\.|[^"\\])*"', '""', lines[end].split("//")[0])
            depth += text.count("{") - text.count("}")
            opened = opened or "{" in text
            if opened and depth <= 0:
                break
        if end - start + 1 > limit:
            found.append((end - start + 1, path, start + 1, line.strip()[:90]))
for length, path, number, text in sorted(found, reverse=True):
    print(f"{length:4} {path}:{number} {text}")
sys.exit(1 if found else 0)
