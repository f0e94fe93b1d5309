#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The privilege drop of a daemon (setgroups, setgid, setuid to nobody) and what nobody may
# then not do, in Python (cred_drop.py) and in C (cred_drop.c, a static program printing the
# same lines): each runs as root natively and in the sandbox, and the sandbox must print
# exactly what Linux printed, errno names and texts, ids, capability sets and the credentials
# unix sockets report. The Python and C versions must also agree with each other natively.
#   cred_drop.sh CVISOR CRED_DROP_BINARY
set -u
. "$(dirname "$0")/legs.sh" "$1"
cbin=$(in_sandbox "$2")
py=$(in_sandbox "$here/cred_drop.py")

if [ "$(id -u)" != 0 ]; then
    echo "not root: skipped"
    exit 77
fi

leg py-native native /usr/bin/python3 "$py"
leg py-sandbox sandbox /usr/bin/python3 "$py"
leg c-native native "$cbin"
leg c-sandbox sandbox "$cbin"

# What Linux itself must print: the scenario denies what it should.
for re in '^read 0600 root file: EACCES \(Permission denied\)$' \
    '^read /etc/shadow: EACCES \(Permission denied\)$' \
    '^open /etc/passwd O_WRONLY\|O_APPEND: EACCES \(Permission denied\)$' \
    '^unlink root file in sticky dir: EPERM \(Operation not permitted\)$' \
    '^CapEff:	0000000000000000$' '^CapPrm:	0000000000000000$' \
    '^SO_PEERCRED of the accepted socket: pid=child uid=65534 gid=65534$' \
    '^after: secret 0o600 0 rootfile there: True locked empty: True$'; do
    expect py-native "$re"
done
same "python: sandbox as native" py-native py-sandbox
same "C: sandbox as native" c-native c-sandbox
same "C and python agree natively" py-native c-native
finish
