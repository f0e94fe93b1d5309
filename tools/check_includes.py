#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Check the layering rules of DESIGN.md 2 over the #include lines of src/."""
import os
import re
import sys

# Level of each Sentry piece; includes may point to the same piece or a lower level.
# Level 0 is ordered in itself: memfile and auth are leaves, time reads the memory file,
# context names credentials, waiter wakes contexts.
LEVELS = {
    "sentry/memfile": 0, "sentry/memmap": 0, "sentry/platform": 0, "sentry/auth": 0,
    "sentry/time": 0.1, "sentry/context": 0.1, "sentry/waiter": 0.2,
    "sentry/mm": 1, "sentry/vfs": 1,
    "sentry/kernel": 2,
    "sentry/net": 3, "sentry/fs": 3, "sentry/loader": 3, "sentry/strace": 3,
    "sentry/syscalls": 4,
    "sentry/boot": 5,
}
LIBS_ALLOWED = {
    "common": {"common"},
    "abi": {"abi"},
    "proto": {"proto", "common", "abi"},
    "gofer": {"gofer", "proto", "common"},
    "runtime": {"runtime", "common", "sentry/boot", "gofer", "sentry/syscalls"},
}
# No exceptions: where two levels seemed to need each other, the shared part moved down
# (docs/architecture.md, "Layering").
EXCEPTIONS = set()


def piece(path):
    parts = path.split("/")
    if parts[0] == "sentry" and len(parts) > 2:
        return "sentry/" + parts[1]
    return parts[0]


def main(root):
    bad = []
    inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith((".c", ".h")):
                continue
            full = os.path.join(dirpath, name)
            src = piece(os.path.relpath(full, root))
            for n, line in enumerate(open(full, errors="replace"), 1):
                m = inc_re.match(line)
                if not m or "/" not in m.group(1):
                    continue
                dst = piece(m.group(1))
                target = m.group(1)
                if (src, target) in EXCEPTIONS or src == dst:
                    continue
                if src in LEVELS:
                    if dst in ("common", "abi", "proto"):
                        continue
                    if dst in LEVELS and LEVELS[dst] < LEVELS[src]:
                        continue
                    if src == "sentry/fs" and dst == "sentry/fs":
                        continue
                elif src in LIBS_ALLOWED and dst in LIBS_ALLOWED[src]:
                    continue
                bad.append(f"{full}:{n}: {src} may not include {target}")
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "src"))
