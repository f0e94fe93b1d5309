#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The tools that change identity, run by root natively and in the sandbox, outputs compared:
# su and runuser (PAM, /etc/shadow, setgroups/setgid/setuid), sudo (a set-user-ID program,
# PAM, sudoers' `root ALL=(ALL:ALL) ALL`), setpriv (set*id, capability and bounding sets,
# no_new_privs), and set-ID execve through chage (set-group-ID shadow) and passwd
# (set-user-ID root) run as nobody, with and without no_new_privs. Nothing on the host is
# changed: the commands only read, and the scratch file lives in a temporary directory.
#   cred_tools.sh CVISOR
set -u
. "$(dirname "$0")/legs.sh" "$1"

if [ "$(id -u)" != 0 ]; then
    echo "not root: skipped"
    exit 77
fi
for tool in su sudo runuser setpriv chage passwd; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool is not installed: skipped"
        exit 77
    fi
done

# The scenario: every command with its output (stderr too) and status.
scenario=$(
    cat <<'EOF'
run() { printf '$ %s\n' "$*"; "$@" 2>&1; echo "[status $?]"; }
ids='^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapAmb):'
nobody='setpriv --reuid=65534 --regid=65534 --clear-groups'
d=$(mktemp -d) && chmod 755 "$d" && cd "$d" || exit 1
echo "nobody's" >nobodys && chown nobody:nogroup nobodys && chmod 600 nobodys
# The dac_override and dac_read_search bits of the effective set (the other bits are the
# configuration's: a container may lack some).
dac_bits='e=$(sed -n "s/^CapEff:\t//p" /proc/self/status); echo "CapEff & dac bits: $((0x$e & 6))"'

run su nobody -s /bin/sh -c 'cat /etc/shadow'
run su nobody -s /bin/sh -c id
run su nobody -s /bin/sh -c "grep -E '$ids' /proc/self/status"
run sudo -u nobody id
run sudo -u nobody cat /etc/shadow
run sudo -u nobody -g nogroup sh -c 'echo "$USER $HOME $SUDO_USER $SUDO_UID $SUDO_GID"; id'
run sudo -u www-data grep -E "$ids" /proc/self/status
run runuser -u nobody -- id
run runuser -u nobody -- cat /etc/shadow
run runuser -u www-data -g nogroup -- id
run $nobody id
run $nobody cat /etc/shadow
run $nobody cat nobodys
run $nobody grep -E "$ids" /proc/self/status
run setpriv --reuid=www-data --regid=www-data --init-groups id
# Root without the capabilities that override file permissions: nobody's 0600 file is closed.
run sh -c "$dac_bits"
run setpriv --bounding-set=-dac_override,-dac_read_search cat nobodys
run setpriv --bounding-set=-dac_override,-dac_read_search sh -c "$dac_bits"
run setpriv --inh-caps=+chown --ambient-caps=+chown $nobody grep -E "$ids" /proc/self/status
# Set-ID programs run by nobody: chage reads /etc/shadow as group shadow, passwd as root;
# with no_new_privs neither gains anything.
run $nobody chage -l nobody
run $nobody --no-new-privs chage -l nobody
run $nobody passwd -S
run $nobody --no-new-privs passwd -S
run $nobody passwd -S root
run $nobody --no-new-privs sudo -n true
cd / && rm -rf "$d"
EOF
)

# sudo looks its host name up (/etc/hosts); the sandbox gets the host's, as a container
# engine does for the name it writes into /etc/hosts.
host=$(hostname)
leg tools-native native bash -c "$scenario"
leg tools-sandbox sandbox bash -c '[ "$(hostname)" = "$1" ] || hostname "$1" || exit
    exec bash -c "$2"' sh "$host" "$scenario"

for re in '^cat: /etc/shadow: Permission denied$' '^uid=65534\(nobody\) gid=65534\(nogroup\) groups=65534\(nogroup\)$' \
    '^cat: nobodys: Permission denied$' '^CapEff & dac bits: 0$' '^CapEff:	0000000000000000$' \
    '^Password expires' '^nobody L [0-9]' '^nobody L never' \
    '^passwd: You may not view or modify password information for root\.$' \
    'no new privileges'; do
    expect tools-native "$re"
done
same "su, sudo, runuser, setpriv, set-ID programs: sandbox as native" tools-native tools-sandbox
finish
