#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Render docs/syscalls.md from the syscall table in the code (`cvisor syscalls --markdown`)."""
import subprocess
import sys


def render(cvisor):
    table = subprocess.run([cvisor, "syscalls", "--markdown"], check=True, capture_output=True,
                           text=True).stdout
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    counts = {}
    for row in rows[1:]:
        level = row.split("|")[3].strip()
        counts[level] = counts.get(level, 0) + 1
    summary = ", ".join(f"{n} {level}" for level, n in sorted(counts.items()))
    return ("# Syscall support\n\n"
            "Generated from the syscall table (`src/sentry/syscalls/`) by `make docs`;\n"
            "do not edit by hand. *partial* has a note saying what is missing; *fails* returns\n"
            "the errno given on purpose; *unsupported* returns ENOSYS and logs once.\n\n"
            f"x86-64: {summary}.\n\n" + table)


def main(argv):
    """gen_syscall_docs.py CVISOR [--check FILE]: print the page, or check FILE is current."""
    text = render(argv[1] if len(argv) > 1 else "build/cvisor")
    if len(argv) > 3 and argv[2] == "--check":
        with open(argv[3]) as f:
            if f.read() != text:
                print(f"{argv[3]} is out of date: run `make docs`")
                return 1
        print(f"{argv[3]} matches the syscall table")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
