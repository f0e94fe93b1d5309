#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What the host sees of a running sandbox (docs/security.md): the Sentry in namespaces of its
# own, on an empty root, with no capabilities, no_new_privs and one seccomp filter; every stub
# with a second filter of its own (systrap: the template, forked before the Sentry's filter
# existed, has one filter, its own, and its stubs a second, and their stub region sealed);
# the gofer in its own mount namespace with only CAP_DAC_READ_SEARCH and a filter.
#   confinement.sh CVISOR
set -u
cvisor=$1
fail() { echo "FAIL: $*"; kill -9 "$runtime" 2>/dev/null; exit 1; }
field() { awk -v k="$2:" '$1 == k { print $2 }' /proc/"$1"/status; }
. "$(dirname "$0")/lib.sh"

"$cvisor" do $platform_flag -- /bin/sh -c 'sleep 100 & sleep 100' &
runtime=$!
sentry= gofer=
for _ in $(seq 100); do
    for c in $(children "$runtime"); do
        sub=$(tr '\0' ' ' </proc/"$c"/cmdline 2>/dev/null | awk '{ print $2 }')
        [ "$sub" = boot ] && sentry=$c
        [ "$sub" = gofer ] && gofer=$c
    done
    [ -n "$sentry" ] && [ -n "$gofer" ] && [ "$(descendants "$sentry" | wc -l)" -ge 3 ] && break
    sleep 0.1
done
[ -n "$sentry" ] && [ -n "$gofer" ] || fail "no Sentry or gofer under the runtime $runtime"
stubs=$(descendants "$sentry" | tail -n +2 | tr '\n' ' ')
echo "runtime $runtime, sentry $sentry, gofer $gofer, stubs $stubs"

for ns in user mnt pid net ipc uts cgroup; do
    [ "$(readlink /proc/"$sentry"/ns/$ns)" != "$(readlink /proc/$$/ns/$ns)" ] ||
        fail "the Sentry shares the $ns namespace with the host"
done
[ "$(readlink /proc/"$gofer"/ns/mnt)" != "$(readlink /proc/$$/ns/mnt)" ] ||
    fail "the gofer shares the host's mount namespace"
[ -z "$(ls -A /proc/"$sentry"/root/)" ] || fail "the Sentry's root is not empty"
[ -e /proc/"$gofer"/root/proc/self ] && fail "the gofer's root has the host's /proc mounted"

[ "$(field "$sentry" CapEff)" = 0000000000000000 ] || fail "the Sentry has capabilities"
[ "$(field "$sentry" CapBnd)" = 0000000000000000 ] || fail "the Sentry's bounding set is not empty"
[ "$(field "$sentry" NoNewPrivs)" = 1 ] || fail "the Sentry lacks no_new_privs"
[ "$(field "$sentry" Seccomp)" = 2 ] || fail "the Sentry has no seccomp filter"
if [ "$(id -u)" -eq 0 ]; then
    [ "$(field "$gofer" CapEff)" = 0000000000000004 ] ||
        fail "the gofer's capabilities are $(field "$gofer" CapEff), not CAP_DAC_READ_SEARCH"
fi
[ "$(field "$gofer" Seccomp)" = 2 ] || fail "the gofer has no seccomp filter"
for s in $(descendants "$sentry" | tail -n +2); do
    # A stub may end between the listing and here (the shell's fork before its exec): skip it.
    filters=$(field "$s" Seccomp_filters 2>/dev/null)
    caps=$(field "$s" CapEff 2>/dev/null)
    [ -n "$filters" ] && [ -n "$caps" ] || continue
    want=2
    [ -n "$(children "$s")" ] && want=1 # the systrap template
    [ "$filters" -ge $want ] || fail "stub $s has no filter of its own"
    [ "$(field "$s" NoNewPrivs)" = 1 ] || fail "stub $s lacks no_new_privs"
    # A systrap stub (its region mapped shared) has sealed every mapping of the region.
    region=$(awk '$1 ~ /^7e00000[0-9a-f]*-/ && $2 ~ /s$/ {print "y"; exit}' \
        /proc/"$s"/maps 2>/dev/null)
    if [ "$want" = 2 ] && [ "$region" = y ]; then
        unsealed=$(awk '/^7e00000/ {r = $1}
            /^VmFlags/ {if (r != "" && $0 !~ / sl/) print r; r = ""}' /proc/"$s"/smaps 2>/dev/null)
        [ -z "$unsealed" ] || fail "stub $s: region mappings not sealed: $unsealed"
    fi
    [ "$caps" = 0000000000000000 ] || fail "stub $s has capabilities"
done
kill -TERM "$runtime"
wait "$runtime"
rc=$?
[ $rc -eq 143 ] || fail "the runtime's SIGTERM did not end the sandbox with 143 (got $rc)"
echo PASS
