#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Socket semantics compared line by line, natively and in the sandbox (net_semantics.py):
# option defaults and errnos, poll masks through the TCP states, shutdowns, resets, refused
# connects, UDP shutdowns. Everything stays on the loopback.
#   net_semantics.sh CVISOR
set -u
. "$(dirname "$0")/legs.sh" "$1"
script=$(realpath "$(dirname "$0")/net_semantics.py")
leg semantics-native native /usr/bin/python3 "$script"
leg semantics-sandbox sandbox /usr/bin/python3 "$script"
expect semantics-native '^2 1 recv ENOTCONN$'
expect semantics-native '^2 refused poll=8221 again=ECONNREFUSED err=0 poll2=20$'
same "socket semantics: sandbox as native" semantics-native semantics-sandbox
finish
