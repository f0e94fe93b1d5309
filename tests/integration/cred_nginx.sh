#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nginx with `user www-data;`: the master runs as root, its workers drop to www-data. Served
# from a temporary directory over a unix socket (the sandbox has no inet sockets yet) and
# fetched with curl: a world-readable file gives 200, a 0600 root file 403 (the worker cannot
# open it: EACCES in the error log), a 0600 file of www-data's 200; ps shows the master as
# root and both workers as www-data. Stopped with SIGQUIT and reaped. The same scenario runs
# natively and in the sandbox, outputs compared. Private prefix, configuration, pid and log
# files; nothing of the host's nginx set-up is used or changed.
#   cred_nginx.sh CVISOR
set -u
. "$(dirname "$0")/legs.sh" "$1"

if [ "$(id -u)" != 0 ]; then
    echo "not root: skipped"
    exit 77
fi
for tool in nginx curl ps; do
    if ! command -v "$tool" >/dev/null; then
        echo "$tool is not installed: skipped"
        exit 77
    fi
done

scenario=$(
    cat <<'EOF'
d=$(mktemp -d) && chmod 755 "$d" || exit 1
master=
cleanup() {
    [ -n "$master" ] && kill -KILL "$master" 2>/dev/null && wait "$master"
    rm -rf "$d"
}
trap cleanup EXIT
mkdir "$d/www" "$d/logs"
echo "world-readable" >"$d/www/public.txt" && chmod 644 "$d/www/public.txt"
echo "root only" >"$d/www/secret.txt" && chmod 600 "$d/www/secret.txt"
echo "www-data only" >"$d/www/wwwonly.txt" && chmod 600 "$d/www/wwwonly.txt" &&
    chown www-data:www-data "$d/www/wwwonly.txt"
cat >"$d/nginx.conf" <<CONF
user www-data;
worker_processes 2;
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 64; }
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    server {
        listen unix:$d/nginx.sock;
        root $d/www;
    }
}
CONF
# COMPAT (docs/files-and-sockets.md): a bound unix socket makes no inode in the sandbox, so
# nginx's chmod of its socket fails there (ENOENT, logged at start-up); start-up messages go
# to the test's log and are not compared.
nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;' 2>"$d/startup.err" &
master=$!
# The pid file is written after the listening socket is open.
for _ in $(seq 200); do
    [ "$(cat "$d/nginx.pid" 2>/dev/null)" = "$master" ] && break
    kill -0 "$master" 2>/dev/null || break
    sleep 0.05
done
echo "pid file names the master: $([ "$(cat "$d/nginx.pid" 2>/dev/null)" = "$master" ] && echo yes || echo no)"
get() {
    curl -sS -o "$d/body.out" -w "GET $1: %{http_code}\n" --unix-socket "$d/nginx.sock" "http://localhost$1"
    [ -s "$d/body.out" ] && grep -v '^<' "$d/body.out" | sed 's/^/    /'
}
get /public.txt
get /secret.txt
get /wwwonly.txt
get /missing.txt
# Both workers are forked, and drop to www-data, after the pid file is written: wait for them.
for _ in $(seq 200); do
    [ "$(ps -o user= --ppid "$master" | grep -c www-data)" = 2 ] && break
    sleep 0.05
done
echo "ps -o user,comm of the master and its children:"
ps -o user=,comm= -p "$master"
ps -o user=,comm= --ppid "$master" | sort
echo "errors logged:"
sed -nE 's/^[0-9/]+ [0-9:]+ \[([a-z]+)\] [0-9]+#[0-9]+: \*[0-9]+ (open\(\) ")[^"]*\/(www\/[^"]*" failed \([0-9]+: [^)]*\)).*/    [\1] \2\3/p' "$d/logs/error.log"
kill -QUIT "$master"
wait "$master"
echo "nginx exit status after SIGQUIT: $?"
master=
echo "pid file removed: $([ -e "$d/nginx.pid" ] && echo no || echo yes)"
echo "access log lines: $(wc -l <"$d/logs/access.log")"
sed 's/^/start-up: /' "$d/startup.err" >&2
EOF
)

leg nginx-native native bash -c "$scenario"
leg nginx-sandbox sandbox bash -c "$scenario"

for re in '^GET /public.txt: 200$' '^GET /secret.txt: 403$' '^GET /wwwonly.txt: 200$' \
    '^GET /missing.txt: 404$' '^www-data +nginx$' '^root +nginx$' \
    'open\(\) "www/secret.txt" failed \(13: Permission denied\)' \
    '^nginx exit status after SIGQUIT: 0$'; do
    expect nginx-native "$re"
done
# Start-up messages (stderr) are the only lines not compared; show them.
for l in nginx-native nginx-sandbox; do
    grep '^start-up: ' "$work/$l.out" | sed "s/^/$l: /"
    sed -i '/^start-up: /d' "$work/$l.out"
done
same "nginx with user www-data: sandbox as native" nginx-native nginx-sandbox
finish
