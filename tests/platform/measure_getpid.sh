#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The figures of docs/platform.md: getpid through syscall() and inline `mov;syscall`, native,
# ptrace, systrap without and with patching, alternating runs, medians; and the bare SIGSYS
# round trip in one process (the bound of a trapped syscall), measured in the same rounds.
# Medians, and the lowest run (the mechanism with the least interference from other load).
#   measure_getpid.sh CVISOR GETPID SIGSYS_RT [ROUNDS] [SECONDS]
# GETPID is bench/micro/getpid.c (each method runs SECONDS, default 0.5) and SIGSYS_RT
# tests/platform/sigsys_rt.c, both static.
# Extra environment (CVISOR_SYSTRAP_POLICY=...) goes to the Sentry.
set -u
cvisor=$1 getpid=$2 rt=$3 rounds=${4:-5} secs=${5:-0.5}
declare -A runs
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
low() { tr ' ' '\n' | grep -v '^$' | sort -g | head -1; }
for r in $(seq "$rounds"); do
    out=$("$getpid" "$secs")
    runs[native_s]+=" $(echo "$out" | awk '/^syscall/{print $4}')"
    runs[native_i]+=" $(echo "$out" | awk '/^inline/{print $4}')"
    out=$("$rt" 100000)
    runs[sud]+=" $(echo "$out" | awk '/^sud/{print $2}')"
    runs[seccomp]+=" $(echo "$out" | awk '/^seccomp/{print $2}')"
    for p in ptrace systrap-nopatch systrap; do
        case $p in
        systrap-nopatch) args=(--platform=systrap --systrap-patching=false) ;;
        *) args=(--platform=$p) ;;
        esac
        out=$("$cvisor" do "${args[@]}" -- "$getpid" "$secs")
        runs[${p}_s]+=" $(echo "$out" | awk '/^syscall/{print $4}')"
        runs[${p}_i]+=" $(echo "$out" | awk '/^inline/{print $4}')"
    done
done
printf "%-18s %12s %12s %12s %12s\n" runtime "syscall() ns" "(lowest)" "inline ns" "(lowest)"
for p in native ptrace systrap-nopatch systrap; do
    printf "%-18s %12s %12s %12s %12s\n" "$p" "$(echo ${runs[${p}_s]} | med)" \
        "$(echo ${runs[${p}_s]} | low)" "$(echo ${runs[${p}_i]} | med)" \
        "$(echo ${runs[${p}_i]} | low)"
done
printf "%-18s %12s %12s\n" "SIGSYS (SUD)" "$(echo ${runs[sud]} | med)" "$(echo ${runs[sud]} | low)"
printf "%-18s %12s %12s\n" "SIGSYS (seccomp)" "$(echo ${runs[seccomp]} | med)" \
    "$(echo ${runs[seccomp]} | low)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
