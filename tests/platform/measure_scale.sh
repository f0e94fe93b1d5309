#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The scaling figures of docs/platform.md: bench/micro/scale.c's getpid, fault and openstat
# with 1 and 2 threads, natively and on each platform named, runs alternating per round;
# medians of ops/s and the 2-thread/1-thread ratio.
#   measure_scale.sh CVISOR SCALE [ROUNDS] [SECONDS] [PLATFORM...]
# SCALE is bench/micro/scale.c built static; PLATFORM defaults to systrap ("native" runs it
# on the host).
set -u
cvisor=$1 scale=$2 rounds=${3:-5} secs=${4:-1}
shift $(($# < 4 ? $# : 4))
platforms=("$@")
[ ${#platforms[@]} -gt 0 ] || platforms=(systrap)
declare -A runs
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for r in $(seq "$rounds"); do
    for mode in getpid fault openstat; do
        for p in "${platforms[@]}"; do
            for n in 1 2; do
                if [ "$p" = native ]; then
                    out=$("$scale" "$mode" "$n" "$secs")
                else
                    out=$("$cvisor" do --platform="$p" -- "$scale" "$mode" "$n" "$secs")
                fi
                runs[$p.$mode.$n]+=" $(echo "$out" | awk '{print $6}')"
            done
        done
    done
done
printf "%-10s %-9s %14s %14s %8s\n" platform mode "1 thread ops/s" "2 threads" "2/1"
for p in "${platforms[@]}"; do
    for mode in getpid fault openstat; do
        one=$(echo ${runs[$p.$mode.1]} | med) two=$(echo ${runs[$p.$mode.2]} | med)
        printf "%-10s %-9s %14s %14s %8s\n" "$p" "$mode" "$one" "$two" \
            "$(awk -v a="$one" -v b="$two" 'BEGIN {if (a > 0) printf "%.2f", b / a}')"
    done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
