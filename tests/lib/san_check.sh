#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# san_check.sh FILE: exit 1 (and say so) if FILE, the stderr of a run of cvisor-asan, holds a
# report of AddressSanitizer or UndefinedBehaviorSanitizer from the runtime, the Sentry or a
# gofer. A report also ends the reporting process with status 66 (tests/lib/san_options.c),
# but a gofer's status is not the sandbox's, so the test wrappers look at the text as well.
set -u
if grep -Eq '^==[0-9]+==ERROR: [A-Za-z]+Sanitizer|^SUMMARY: [A-Za-z]+Sanitizer|: runtime error: ' "$1"; then
    echo "FAIL: a sanitizer report is in the stderr above (frames are module+offset: turn them" >&2
    echo "      into lines with addr2line -f -e <build>/cvisor-asan OFFSET)" >&2
    exit 1
fi
exit 0
