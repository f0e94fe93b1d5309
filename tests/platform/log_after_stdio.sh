#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The app's descriptors 0-2 are the runtime's; when the app closes them the host closes them
# too. The Sentry's log must stay on a descriptor of its own: its last line (init's exit)
# still reaches the runtime's stderr after the app closed all three and exited.
#   log_after_stdio.sh CVISOR
set -u
cvisor=$1
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT

"$cvisor" do --debug -- /bin/sh -c 'exec 0<&- 1>&- 2>&-; exit 3' 2> "$err"
rc=$?
if [ "$rc" -ne 3 ]; then
    echo "FAIL: exit status $rc, want 3"
    tail -n 5 "$err"
    exit 1
fi
if ! grep -q 'init exited, wait status 0x300' "$err"; then
    echo "FAIL: the Sentry's log line after init's exit is missing; last lines:"
    tail -n 5 "$err"
    exit 1
fi
echo "PASS: the Sentry's log outlives the app's stdio"
