#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# PostgreSQL, which refuses to run as root: root makes a data directory owned by postgres,
# then as postgres (runuser) initdb with peer authentication for local connections, start
# with only a unix socket in a private directory (-k, listen_addresses=''), psql queries over
# it, and a stop. Peer authentication reads the client's uid from the socket (SO_PEERCRED):
# postgres gets in, root and nobody asking for the postgres role are refused; nobody cannot
# read the 0700 data directory. The same scenario runs natively and in the sandbox, outputs
# compared (temporary paths shown as DIR; timings and the server log shown, not compared).
# Nothing of the host's PostgreSQL set-up (clusters, /etc/postgresql) is used or changed.
#   cred_postgres.sh CVISOR
set -u
. "$(dirname "$0")/legs.sh" "$1"

if [ "$(id -u)" != 0 ]; then
    echo "not root: skipped"
    exit 77
fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || ! id postgres >/dev/null 2>&1 || ! command -v runuser >/dev/null; then
    echo "PostgreSQL (or its user, or runuser) is not installed: skipped"
    exit 77
fi

scenario=$(
    cat <<'EOF'
bin=$1
d=$(mktemp -d) && chmod 755 "$d" || exit 1
started=
# A server left running by a failed step: stopped by pg_ctl, else killed by its pid, once
# /proc confirms that the pid is still this data directory's postmaster.
cleanup() {
    if [ -n "$started" ]; then
        local pid
        pid=$(head -n 1 "$d/data/postmaster.pid" 2>/dev/null)
        runuser -u postgres -- "$bin/pg_ctl" -D "$d/data" -m immediate -w stop >/dev/null 2>&1
        if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
            grep -qF -- "$bin/postgres -D $d/data"; then
            kill -KILL "$pid"
        fi
    fi
    rm -rf "$d"
}
trap cleanup EXIT
now() { date +%s%N; }
took() { echo "time: $1 $((($(now) - $2) / 1000000)) ms" >>"$d/times"; }
run() { printf '$ %s\n' "$*"; "$@" 2>&1; echo "[status $?]"; }
pg() { runuser -u postgres -- "$@"; }
sql() { printf '$ psql %s\n' "$*"; pg psql -X -h "$d/run" -d postgres -At "$@" 2>&1; echo "[status $?]"; }
main() {
    mkdir "$d/data" "$d/run" "$d/log" &&
        chown postgres:postgres "$d/data" "$d/run" "$d/log" || return 1
    run "$bin/postgres" -D "$d/data"
    run "$bin/initdb" -D "$d/data"
    t=$(now)
    run pg "$bin/initdb" -D "$d/data" -A peer
    took initdb "$t"
    echo "data directory: $(stat -c '%a %U' "$d/data")"
    run setpriv --reuid=65534 --regid=65534 --clear-groups cat "$d/data/PG_VERSION"
    t=$(now)
    printf '$ pg_ctl start\n'
    pg "$bin/pg_ctl" -D "$d/data" -l "$d/log/server.log" -w -t 60 \
        -o "-k $d/run -c listen_addresses=''" start >"$d/pg_ctl.out" 2>&1
    st=$?
    [ $st = 0 ] && started=1
    echo "[status $st]"
    took start "$t"
    [ $st = 0 ] || grep -v '^waiting for server' "$d/pg_ctl.out"
    t=$(now)
    sql -c 'select 1+1'
    sql -c 'select current_user, session_user'
    sql -c 'show dynamic_shared_memory_type' -c 'show shared_memory_type'
    sql -c 'create table t(id int primary key, who text)' \
        -c "insert into t select g, 'row ' || g from generate_series(1, 1000) g" \
        -c 'select count(*), min(who), max(id) from t'
    printf '$ psql as root for role postgres\n'
    psql -X -h "$d/run" -U postgres -d postgres -Atc 'select 1' 2>&1
    echo "[status $?]"
    printf '$ psql as nobody for role postgres\n'
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        psql -X -h "$d/run" -U postgres -d postgres -Atc 'select 1' 2>&1
    echo "[status $?]"
    took queries "$t"
    t=$(now)
    printf '$ pg_ctl stop\n'
    local postmaster
    postmaster=$(head -n 1 "$d/data/postmaster.pid" 2>/dev/null)
    pg "$bin/pg_ctl" -D "$d/data" -w -t 60 stop >/dev/null 2>&1
    st=$?
    echo "[status $st]"
    [ $st = 0 ] && started=
    # pg_ctl returns once the pid file is gone; the postmaster exits just after.
    for _ in $(seq 200); do
        [ -n "$postmaster" ] && [ -e "/proc/$postmaster" ] || break
        [ "$(awk '{ print $3 }' "/proc/$postmaster/stat" 2>/dev/null)" = Z ] && break
        sleep 0.05
    done
    echo "postmaster gone: $([ -n "$postmaster" ] && ! kill -0 "$postmaster" 2>/dev/null ||
        [ "$(awk '{ print $3 }' "/proc/$postmaster/stat" 2>/dev/null)" = Z ] && echo yes || echo no)"
    took stop "$t"
    echo "postmaster.pid removed: $([ -e "$d/data/postmaster.pid" ] && echo no || echo yes)"
}
main >"$d/main.out" 2>&1 # not in a pipeline: $started must reach cleanup
sed "s|$d|DIR|g" "$d/main.out"
# Not compared: timings, and the server log (times, pids) with its prefix.
cat "$d/times" >&2
sed -E "s|$d|DIR|g; s/^/server-log: /" "$d/log/server.log" >&2 2>/dev/null
EOF
)

leg pg-native native bash -c "$scenario" sh "$bin"
leg pg-sandbox sandbox bash -c "$scenario" sh "$bin"

for l in pg-native pg-sandbox; do
    grep '^time: ' "$work/$l.out" | sed "s/^/$l: /"
    grep '^server-log: ' "$work/$l.out" >"$work/$l.server-log"
    sed -i '/^time: /d; /^server-log: /d' "$work/$l.out"
done
for re in '^"root" execution of the PostgreSQL server is not permitted\.$' \
    '^initdb: error: cannot be run as root$' '^Success\. You can now start' \
    '^data directory: 700 postgres$' '^cat: DIR/data/PG_VERSION: Permission denied$' \
    '^2$' '^postgres\|postgres$' '^1000\|row 1\|1000$' \
    'FATAL:  Peer authentication failed for user "postgres"' '^postmaster.pid removed: yes$'; do
    expect pg-native "$re"
done
if ! same "PostgreSQL as postgres: sandbox as native" pg-native pg-sandbox; then
    echo "  server log of the sandbox run:"
    sed 's/^server-log: /    /' "$work/pg-sandbox.server-log" | tail -n 20
fi
finish
