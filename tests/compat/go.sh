#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# go.sh CVISOR [PKG...]: Go's standard-library tests as a suite written by others (issue 10).
# Builds each package's test binary natively (go test -c, static: CGO_ENABLED=0), runs it in
# the package's source directory (its testdata) natively and then under `cvisor do`, each
# with -test.short and a time bound, and prints one line per package:
#   PKG  native:PASS|FAIL|TIMEOUT (seconds)  sandbox:PASS|FAIL|TIMEOUT (seconds)
# and a summary. Logs go to $GO_COMPAT_DIR (default /var/tmp/cvisor-go-compat: not /tmp,
# which is the sandbox's own empty tmpfs). GO_COMPAT_TIMEOUT bounds each run (default 600 s).
# Exit status: 0 if every package that passes natively passes in the sandbox, else 1.
set -uo pipefail
cvisor=$(readlink -f "$1")
shift
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(os os/exec os/signal os/user syscall io io/fs path/filepath time
    sync runtime net archive/tar compress/gzip encoding/json bufio)
command -v go >/dev/null || { echo "go.sh: no Go toolchain (Debian golang-go)"; exit 77; }
dir=${GO_COMPAT_DIR:-/var/tmp/cvisor-go-compat}
limit=${GO_COMPAT_TIMEOUT:-600}
goroot=$(go env GOROOT)
mkdir -p "$dir/bin" "$dir/log" "$dir/cache"
export GOCACHE=$dir/cache GOFLAGS=-buildvcs=false CGO_ENABLED=0

# run NAME WHERE CMD...: run with the time bound; prints "PASS|FAIL|TIMEOUT seconds".
run() {
    local name=$1 where=$2
    shift 2
    local start end rc
    start=$(date +%s)
    (cd "$where" && timeout -k 10 "$limit" "$@") >"$dir/log/$name" 2>&1
    rc=$?
    end=$(date +%s)
    if [ $rc -eq 0 ]; then
        echo "PASS $((end - start))"
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        echo "TIMEOUT $((end - start))"
    else
        echo "FAIL $((end - start))"
    fi
}

worse=0 native_ok=0 both_ok=0
printf '%-16s %-22s %-22s\n' package native sandbox
for p in "${pkgs[@]}"; do
    name=${p//\//_}
    bin=$dir/bin/$name.test
    tags=()
    # Debian's Go has no lib/time/zoneinfo.zip, which the time tests load: embed the zones.
    [ "$p" = time ] && tags=(-tags=timetzdata)
    if ! go test -c "${tags[@]}" -o "$bin" "$p" >"$dir/log/$name.build" 2>&1; then
        printf '%-16s %-22s %-22s\n' "$p" "BUILD-FAIL" "-"
        continue
    fi
    src=$goroot/src/$p
    args=(-test.short -test.count=1 -test.timeout="$((limit - 30))s")
    read -r n nt < <(run "$name.native" "$src" "$bin" "${args[@]}")
    read -r s st < <(run "$name.sandbox" "$src" "$cvisor" do -- "$bin" "${args[@]}")
    printf '%-16s %-22s %-22s\n' "$p" "$n (${nt}s)" "$s (${st}s)"
    [ "$n" = PASS ] && native_ok=$((native_ok + 1))
    [ "$n" = PASS ] && [ "$s" = PASS ] && both_ok=$((both_ok + 1))
    [ "$n" = PASS ] && [ "$s" != PASS ] && worse=$((worse + 1))
done
echo "go: ${#pkgs[@]} packages, $native_ok pass natively, $both_ok of them in the sandbox" \
    "(logs: $dir/log)"
[ $worse -eq 0 ]
