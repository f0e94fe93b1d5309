# SPDX-License-Identifier: Apache-2.0
# Helpers of the platform tests (sourced). PLATFORM is the platform under test (the
# CVISOR_PLATFORM environment variable, else the default one).
PLATFORM=${CVISOR_PLATFORM:-}
platform_flag=${PLATFORM:+--platform=$PLATFORM}

# Children of a process (all of its threads).
children() {
    cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$' | sort -u
}

# A process and all of its descendants.
descendants() {
    echo "$1"
    local c
    for c in $(children "$1"); do
        descendants "$c"
    done
}

# The Sentry under runtime $1 (the child whose command line says boot), or nothing.
sentry_of() {
    local c
    for c in $(children "$1"); do
        grep -q boot /proc/"$c"/cmdline 2>/dev/null && echo "$c"
    done
}

# CPU time (utime + stime, clock ticks) of the processes given, all threads.
cpu_ticks() {
    local p sum=0 t
    for p in "$@"; do
        t=$(awk '{print $14 + $15}' /proc/"$p"/stat 2>/dev/null) || t=0
        sum=$((sum + ${t:-0}))
    done
    echo "$sum"
}

# The state letter of every thread of the processes given, one per line.
thread_states() {
    local p
    for p in "$@"; do
        cat /proc/"$p"/task/*/stat 2>/dev/null | sed 's/.*) //' | cut -d' ' -f1
    done
}
