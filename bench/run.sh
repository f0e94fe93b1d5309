#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# First benchmarks (DESIGN.md section 6): the syscall figure (raw getpid and inline mov;syscall,
# ns/call) and start-up (`do /bin/true`, ms), for native, cvisor-ptrace and, where a runsc is
# installed, runsc-ptrace. Prints a table, writes bench/results/<date>.csv in the guide's shape
# (runtime,method,metric,result) and bench/results/<date>.md. Benchmarks never assert: a runtime
# that fails is reported as "failed" and the run goes on.
#   bench/run.sh [CVISOR]        (default build/cvisor; `make bench` passes it)
# Environment: RUNSC (path of runsc; else `command -v runsc`), RUNSC_FLAGS, GETPID_N (native
# loop count, 200000), GETPID_N_SANDBOX (20000), STARTUP_RUNS (20), FIO_SIZE (1g, the guide's;
# smaller sizes make the fast runs too short for fio's millisecond clock),
# FIO_ROUNDS (3), BENCH_RESULTS (output dir).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cvisor=${1:-$top/build/cvisor}
[ -x "$cvisor" ] || { echo "bench: $cvisor is not an executable (build first)" >&2; exit 1; }
cvisor=$(cd "$(dirname "$cvisor")" && pwd)/$(basename "$cvisor")
runsc=${RUNSC:-$(command -v runsc || true)}
runsc_flags=${RUNSC_FLAGS:---rootless --network=none --platform=ptrace}
getpid_n=${GETPID_N:-200000}
getpid_n_sandbox=${GETPID_N_SANDBOX:-20000}
startup_runs=${STARTUP_RUNS:-20}
results=${BENCH_RESULTS:-$here/results}
stamp=$(date +%Y-%m-%d-%H%M%S)
csv=$results/$stamp.csv
md=$results/$stamp.md
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
mkdir -p "$results"

# The runtimes: a name, and the prefix that runs a command in it.
runtimes=(native cvisor-ptrace)
declare -A prefix=([native]="" [cvisor-ptrace]="$cvisor do --platform=ptrace --")
runsc_state=
if [ -n "$runsc" ] && [ -x "$runsc" ]; then
    runtimes+=(runsc-ptrace)
    runsc_state=$work/runsc-state
    mkdir -p "$runsc_state"
    prefix[runsc-ptrace]="$runsc --root=$runsc_state $runsc_flags do"
    runsc_note="runsc: $runsc ($("$runsc" --version 2>/dev/null | head -n 1)), flags: $runsc_flags"
else
    runsc_note="runsc: not installed (set RUNSC, or build one with ../shared/tools/runsc/build.sh)"
fi

# The sandbox has its own /tmp, so the benchmark binaries go into bench/micro/.build (the host
# root, read-only, is what the sandbox sees), not into $work.
bin=${BENCH_BUILD:-$here/micro/.build}
mkdir -p "$bin" || exit 1
echo "bench: building bench/micro with gcc -O2 -static into $bin"
for src in "$here"/micro/*.c; do
    gcc -O2 -static -o "$bin/$(basename "$src" .c)" "$src" || { echo "bench: cannot build $src" >&2; exit 1; }
done

echo "runtime,method,metric,result" > "$csv"
declare -A val # val[runtime/metric] = number or "failed"

record() { # runtime method metric result
    val[$1/$2]=$4
    [ "$4" != failed ] && echo "$1,$2,$3,$4" >> "$csv"
}

# ---- syscall: getpid ns/call ----
for rt in "${runtimes[@]}"; do
    n=$getpid_n
    [ "$rt" != native ] && n=$getpid_n_sandbox
    echo "bench: getpid x $n in $rt"
    # shellcheck disable=SC2086  # the prefix is a word list on purpose
    if out=$(timeout 600 ${prefix[$rt]} "$bin/getpid" "$n" 2> "$work/err"); then
        raw=$(awk '$1 == "syscall" { print $4 }' <<< "$out")
        inl=$(awk '$1 == "inline" { print $4 }' <<< "$out")
        record "$rt" syscall.getpid syscall_time_ns "${raw:-failed}"
        record "$rt" syscall.getpid_inline syscall_time_ns "${inl:-failed}"
    else
        echo "bench: $rt failed: $(tail -n 3 "$work/err")" >&2
        record "$rt" syscall.getpid syscall_time_ns failed
        record "$rt" syscall.getpid_inline syscall_time_ns failed
    fi
done

# ---- start-up: `do /bin/true`, median ms ----
median_ms_loop() { # runs "$@" startup_runs times, prints the median wall time in ms
    local times=() t0 t1 i
    for ((i = 0; i < startup_runs; i++)); do
        t0=$(date +%s%N)
        "$@" > /dev/null 2>&1 < /dev/null || return 1
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n |
        awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f\n", m / 1000 }'
}

startup_method=
if command -v hyperfine > /dev/null; then
    startup_method="hyperfine -N --warmup 2 --runs $startup_runs, median"
else
    startup_method="bash loop of $startup_runs runs timed with date +%s%N, median"
fi
for rt in "${runtimes[@]}"; do
    echo "bench: start-up of /bin/true in $rt"
    cmd="${prefix[$rt]} /bin/true"
    cmd=${cmd# }
    # shellcheck disable=SC2086
    if ! timeout 60 $cmd > /dev/null 2> "$work/err" < /dev/null; then
        echo "bench: $rt failed: $(tail -n 3 "$work/err")" >&2
        record "$rt" startup.empty startup_time_ms failed
        continue
    fi
    if command -v hyperfine > /dev/null; then
        json=$work/startup-$rt.json
        if hyperfine -N --warmup 2 --runs "$startup_runs" --export-json "$json" "$cmd" > "$work/hf" 2>&1; then
            ms=$(/usr/bin/python3 -c 'import json, sys; print("%.3f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$json") || ms=failed
        else
            ms=failed
        fi
    else
        # shellcheck disable=SC2086
        ms=$(median_ms_loop $cmd) || ms=failed
    fi
    record "$rt" startup.empty startup_time_ms "$ms"
done

# ---- files: fio on tmpfs (the guide's fio-tmpfs figure) and a create/stat/unlink loop ----
# /dev/shm is a tmpfs natively and in the sandbox, so both sides measure a tmpfs. Each job
# starts without its file on both sides (the sandbox's tmpfs is new each run; the host's file
# is removed), so both lay it out the same way, untimed. Runtimes alternate within each round
# (the machine is shared and noisy) and the median of FIO_ROUNDS rounds is kept.
fio_size=${FIO_SIZE:-1g}
fio_rounds=${FIO_ROUNDS:-3}
fio_jobs=("write:1m" "write:4k" "read:1m" "randread:4k" "randwrite:4k")
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
for job in "${fio_jobs[@]}"; do
    rw=${job%%:*} bs=${job#*:}
    key=fio.tmpfs.$rw.$bs
    declare -A runs=()
    for ((round = 1; round <= fio_rounds; round++)); do
        for rt in "${runtimes[@]}"; do
            command -v fio > /dev/null || continue
            echo "bench: fio $rw bs=$bs on tmpfs in $rt (round $round)"
            rm -f /dev/shm/b.0.0
            # shellcheck disable=SC2086
            out=$(timeout 300 ${prefix[$rt]} /usr/bin/fio --name=b --directory=/dev/shm \
                --rw="$rw" --bs="$bs" --size="$fio_size" --ioengine=sync --invalidate=0 \
                --output-format=json 2> "$work/err") || out=
            bw=$(/usr/bin/python3 -c 'import json, sys
text = sys.stdin.read()
j = json.loads(text[text.index("{"):])["jobs"][0]
side = j["write"] if j["write"]["io_bytes"] else j["read"]
print("%.1f" % (side["bw_bytes"] / 1e6))' <<< "$out" 2> /dev/null) && runs[$rt]+="$bw "
        done
    done
    rm -f /dev/shm/b.0.0
    for rt in "${runtimes[@]}"; do
        bw=$(tr ' ' '\n' <<< "${runs[$rt]:-}" | grep . | median)
        record "$rt" "$key" bandwidth_mb_s "${bw:-failed}"
    done
    unset runs
done
for rt in "${runtimes[@]}"; do
    echo "bench: create/stat/unlink on tmpfs in $rt"
    # shellcheck disable=SC2086
    if out=$(timeout 300 ${prefix[$rt]} "$bin/filecycle" /dev/shm 2000 2> "$work/err"); then
        record "$rt" file.cycle file_time_us "$(awk '{ print $4 }' <<< "$out")"
    else
        record "$rt" file.cycle file_time_us failed
    fi
done

# ---- files on a volume: the host directory $vol, served by the gofer (--volume) ----
vol=$work/volume
mkdir -p "$vol"
for rt in native cvisor-ptrace; do
    if [ "$rt" = native ]; then
        run=() dir=$vol
    else
        run=("$cvisor" do --platform=ptrace --volume "$vol:/vol" --) dir=/vol
    fi
    for job in "write:1m" "write:4k" "read:1m" "randread:4k" "randwrite:4k"; do
        rw=${job%%:*} bs=${job#*:}
        key=fio.volume.$rw.$bs
        echo "bench: fio $rw bs=$bs on a volume in $rt"
        # Read jobs find their file already written on the host (untimed): fio's own lay-out
        # drops the file's page cache, which the host honours and the sandbox (whose
        # fadvise does not reach the host) does not, so both would not read the same way.
        if [ "$rw" = read ] || [ "$rw" = randread ]; then
            fio --name=v --directory="$vol" --rw=write --bs=1m --size="$fio_size" \
                --ioengine=sync --output-format=terse > /dev/null 2>&1
        fi
        out=$(timeout 300 "${run[@]}" /usr/bin/fio --name=v --directory="$dir" --rw="$rw" \
            --bs="$bs" --size="$fio_size" --ioengine=sync --invalidate=0 --output-format=json \
            2> "$work/err") || out=
        bw=$(/usr/bin/python3 -c 'import json, sys
text = sys.stdin.read()
j = json.loads(text[text.index("{"):])["jobs"][0]
side = j["write"] if j["write"]["io_bytes"] else j["read"]
print("%.1f" % (side["bw_bytes"] / 1e6))' <<< "$out" 2> /dev/null) || bw=failed
        record "$rt" "$key" bandwidth_mb_s "${bw:-failed}"
        rm -f "$vol"/v.*
    done
    echo "bench: create/stat/unlink on a volume in $rt"
    if out=$(timeout 300 "${run[@]}" "$bin/filecycle" "$dir" 2000 2> "$work/err"); then
        record "$rt" file.volume.cycle file_time_us "$(awk '{ print $4 }' <<< "$out")"
    else
        record "$rt" file.volume.cycle file_time_us failed
    fi
done

# ---- the table ----
ratio() { # a b -> b/a, or "-"
    awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", b / a; else print "-" }'
}
rows=("syscall.getpid|raw syscall(SYS_getpid), ns/call"
      "syscall.getpid_inline|inline mov;syscall getpid, ns/call"
      "startup.empty|start-up of /bin/true, ms (median)"
      "fio.tmpfs.write.1m|fio write 1 MiB blocks, tmpfs, MB/s"
      "fio.tmpfs.write.4k|fio write 4 KiB blocks, tmpfs, MB/s"
      "fio.tmpfs.read.1m|fio read 1 MiB blocks, tmpfs, MB/s"
      "fio.tmpfs.randread.4k|fio randread 4 KiB, tmpfs, MB/s"
      "fio.tmpfs.randwrite.4k|fio randwrite 4 KiB, tmpfs, MB/s"
      "file.cycle|create + write 4 KiB + close + stat + unlink, us/file"
      "fio.volume.write.1m|fio write 1 MiB blocks, volume, MB/s"
      "fio.volume.write.4k|fio write 4 KiB blocks, volume, MB/s"
      "fio.volume.read.1m|fio read 1 MiB blocks, volume, MB/s"
      "fio.volume.randread.4k|fio randread 4 KiB, volume, MB/s"
      "fio.volume.randwrite.4k|fio randwrite 4 KiB, volume, MB/s"
      "file.volume.cycle|create/write/stat/unlink on a volume, us/file")
header="| figure | native | cvisor-ptrace | ratio |"
sep="|---|---|---|---|"
if [ -n "$runsc_state" ]; then
    header="| figure | native | cvisor-ptrace | ratio | runsc-ptrace | ratio |"
    sep="|---|---|---|---|---|---|"
fi
table="$header"$'\n'"$sep"
for row in "${rows[@]}"; do
    m=${row%%|*}
    label=${row#*|}
    n=${val[native/$m]:-failed}
    c=${val[cvisor-ptrace/$m]:-failed}
    line="| $label | $n | $c | $(ratio "$n" "$c") |"
    if [ -n "$runsc_state" ]; then
        r=${val[runsc-ptrace/$m]:-failed}
        line="$line $r | $(ratio "$n" "$r") |"
    fi
    table+=$'\n'"$line"
done

load=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
{
    echo "# cvisor benchmarks, $stamp"
    echo
    echo "Machine: $(nproc) vCPU $cpu, kernel $(uname -r), load average $load."
    echo "cvisor: $cvisor ($(cd "$top" && git describe --always --dirty 2>/dev/null || echo "no git"))."
    echo "$runsc_note."
    echo
    echo "$table"
    echo
    echo "Ratio = runtime / native: for times (ns, ms, µs) higher is slower; for bandwidths (MB/s) it is the share of native kept, higher is better."
    echo
    echo "Methods:"
    echo
    echo "* syscall: bench/micro/getpid.c (gcc -O2 -static), $getpid_n calls natively and" \
         "$getpid_n_sandbox in a sandbox, after a warm-up; ns per call. Like the guide's" \
         "syscall.csv (which used gettimeofday) and gVisor's BenchmarkSyscallbench (getpid, getpidopt)."
    echo "* start-up: \`do /bin/true\`, $startup_method; the guide's startup.empty without Docker."
    echo "* fio: \`fio --ioengine=sync --size=$fio_size --invalidate=0\` in /dev/shm (a tmpfs in both" \
         "runs), as the guide's fio-tmpfs figure; bandwidth in MB/s."
    echo "* fio on a volume: the same jobs in a host directory, \`--volume DIR:/vol\` in the sandbox;" \
         "read jobs find the file already written on the host, so both read it from the page cache."
    echo "* Runtimes alternate within each round; the median of $fio_rounds rounds is reported for tmpfs."
    echo "* files: bench/micro/filecycle.c, 2000 times create, write 4 KiB, close, stat, unlink."
    echo
    echo "CSV: $(basename "$csv") (runtime,method,metric,result)."
} > "$md"

echo
echo "$table"
echo
echo "$runsc_note"
echo "bench: wrote $csv and $md"
exit 0
