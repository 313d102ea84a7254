#!/usr/bin/env python3
"""bench/function_lengths.py [LIMIT]: the functions of src/ longer than LIMIT lines (default 80),
longest first, and how many there are. A function is counted from the first line of its
signature at column 0 to its closing brace at column 0 (how clang-format lays out this tree);
functions defined inside a class body are not counted. Run from the repository's root."""
import glob
import re
import sys


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        starts = line and not line[0].isspace() and not line.startswith(("//", "#", "}", "namespace"))
        if starts and "(" in line and not re.match(r"(struct|class|enum|union|extern|using|typedef)\b", line):
            j = i
            while j < len(lines) and not lines[j].rstrip().endswith(("{", ";")):
                j += 1
            if j < len(lines) and lines[j].rstrip().endswith("{"):
                end = j + 1
                while end < len(lines) and lines[end] != "}":
                    end += 1
                yield end - i + 1, i + 1, line.strip()
                i = end
        i += 1


limit = int(sys.argv[1]) if len(sys.argv) > 1 else 80
found = []
total = 0
for path in sorted(glob.glob("src/**/*.cc", recursive=True)):
    for n, at, signature in functions(path):
        total += 1
        if n > limit:
            found.append((n, f"{path}:{at}", signature[:100]))
for n, where, signature in sorted(found, reverse=True):
    print(f"{n:5} {where} {signature}")
print(f"{len(found)} functions over {limit} lines of {total}")
