#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The benchmark suite of `make bench`: the figures of gVisor's Performance Guide (and issue 8's
list), run for a set of runtimes with the guide's method, written as CSV, SVG charts and a
Markdown report (bench/report.py).

    suite.py [--runtimes="native cvisor-ptrace ..."] [--quick|--tiny] [--rounds=N]
             [--cvisor=PATH] [--results=DIR] [--work=DIR] [--only=ID,ID] [--list]

Runtimes: native, cvisor-<platform> (`cvisor do --platform=<platform>`), runsc-<platform>
(`runsc do`, from $RUNSC or PATH). The default is native, every cvisor platform whose probe
(`cvisor do --platform=P -- /bin/true`) succeeds, and runsc-systrap/runsc-ptrace when a runsc is
found and its probe succeeds.

Method: for each figure, rounds alternate the runtimes (A B C A B C ...), the median of the
rounds is kept. A runtime that fails a figure is recorded as "failed" and the run goes on;
nothing here asserts a timing. Modes: full (default), --quick (a representative subset in under
2 minutes on a 2-vCPU machine), --tiny (the meson test of the machinery: every kind of
measurement once, minimal sizes).
"""

import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import report  # noqa: E402  (bench/report.py, beside this file)

# Workloads come from the Debian packages (scripts/bench-deps.sh), never from a user's PATH
# shims (pyenv and friends put shell scripts named python3 first).
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PNGTEST = "/usr/share/doc/libpng-dev/examples/pngtest.c"  # libpng-dev: a 2,158-line C program

# Parameters per mode. secs: wall time of each micro-benchmark method; runs: command start-ups
# timed per round; fio_size/fio_time: fio's --size and --runtime (whichever ends first).
MODES = {
    "full": dict(rounds=3, secs=1.0, runs=20, sysbench_secs=5, density_n=10, idle_secs=5,
                 fio_size="1g", fio_time=5, fio_min=1, fio_reps=5, clip_secs=10, timeout=600),
    "quick": dict(rounds=2, secs=0.3, runs=8, sysbench_secs=1, density_n=3, idle_secs=1,
                  fio_size="256m", fio_time=1, fio_min=0.3, fio_reps=4, clip_secs=2, timeout=120),
    "tiny": dict(rounds=1, secs=0.05, runs=2, sysbench_secs=1, density_n=2, idle_secs=0.2,
                 fio_size="4m", fio_time=0.3, fio_min=0, fio_reps=1, clip_secs=1, timeout=60),
}


class Failed(Exception):
    """A measurement that did not produce a number (the runtime failed the figure)."""


class Method:
    """One charted quantity: a CSV (method, metric) pair, its unit and which way is better.
    scope: "all" runtimes, "native" only (mechanisms) or "sandbox" only (the Sentry's Pss)."""

    def __init__(self, method, metric, title, unit, better, scope="all", chart=True):
        self.method, self.metric, self.title, self.unit = method, metric, title, unit
        self.better, self.scope, self.chart = better, scope, chart

    def applies(self, runtime):
        if self.scope == "native":
            return runtime.name == "native"
        if self.scope == "sandbox":
            return runtime.name != "native"
        return True


class Figure:
    """One benchmark: a label for the progress line, the methods it yields, and run(ctx, rt)
    that returns {(method, metric): value} for one runtime, or raises Failed."""

    def __init__(self, fid, label, methods, run, modes=("full", "quick", "tiny"),
                 native_only=False):
        self.fid, self.label, self.methods, self.run = fid, label, methods, run
        self.modes, self.native_only = modes, native_only


# ---------------------------------------------------------------------------------------------
# Runtimes


class Runtime:
    """How to run a command in one runtime. wrap(argv, volume) returns the host command line:
    prefix, the flags that make the host directory `volume` visible inside (at
    volume_path(volume)), tail, argv."""

    def __init__(self, name, prefix=(), tail=(), volume_args=None, volume_at=None):
        self.name = name
        self.prefix, self.tail = list(prefix), list(tail)
        self._volume_args = volume_args  # fn(hostdir) -> flags
        self._volume_at = volume_at  # fn(hostdir) -> path inside
        self.sandbox = name != "native"

    def wrap(self, argv, volume=None):
        flags = self._volume_args(volume) if volume and self._volume_args else []
        return self.prefix + flags + self.tail + list(argv)

    def volume_path(self, hostdir):
        return self._volume_at(hostdir) if self._volume_at else hostdir


def cvisor_runtime(cvisor, platform):
    # As runsc below: these figures need no network, so no link (a veth pair and the host's
    # filter cost start-up time that no figure here uses); CVISOR_FLAGS overrides.
    flags = os.environ.get("CVISOR_FLAGS", "--network=none").split()
    return Runtime("cvisor-" + platform, [cvisor, "do", "--platform=" + platform] + flags, ["--"],
                   volume_args=lambda d: ["--volume", d + ":/vol"],
                   volume_at=lambda d: "/vol")


def runsc_runtime(runsc, platform, state):
    flags = os.environ.get("RUNSC_FLAGS", "--rootless --network=none").split()
    # runsc's `do` has no --volume: --force-overlay=false lets the command reach the host root
    # through the gofer, so a host directory is used at its own path (a gofer-backed mount).
    return Runtime("runsc-" + platform,
                   [runsc, "--root=" + state] + flags + ["--platform=" + platform, "do"],
                   volume_args=lambda d: ["--force-overlay=false"])


def probe(rt):
    try:
        r = subprocess.run(rt.wrap(["/bin/true"]), stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        return r.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_runsc():
    path = os.environ.get("RUNSC") or shutil.which("runsc")
    return path if path and os.access(path, os.X_OK) else None


DEFAULT_RUNTIMES = ("cvisor-systrap", "cvisor-ptrace", "runsc-systrap", "runsc-ptrace")


def runtime_named(name, cvisor, runsc, state):
    """The runtime called name: native, cvisor-<platform> or runsc-<platform> (any platform
    the binary accepts). Exits with a message for any other name."""
    if name == "native":
        return Runtime("native")
    kind, _, plat = name.partition("-")
    if kind == "cvisor" and plat:
        return cvisor_runtime(cvisor, plat)
    if kind == "runsc" and plat:
        if not runsc:
            sys.exit("bench: %s needs a runsc (set RUNSC or put one on PATH)" % name)
        return runsc_runtime(runsc, plat, state)
    sys.exit("bench: unknown runtime %r (native, cvisor-<platform>, runsc-<platform>)" % name)


def make_runtimes(names, cvisor, runsc, work):
    """Builds the runtimes named (None: native and those of DEFAULT_RUNTIMES whose probe
    succeeds). Returns (list, notes for the report)."""
    state = os.path.join(work, "runsc-state")
    notes = []
    if names is not None:
        if "native" not in names:
            notes.append("native was not in the run: no ratios")
        return [runtime_named(n, cvisor, runsc, state) for n in names], notes
    rts = [Runtime("native")]
    for name in DEFAULT_RUNTIMES:
        if name.startswith("runsc-") and not runsc:
            continue
        rt = runtime_named(name, cvisor, runsc, state)
        if probe(rt):
            rts.append(rt)
        else:
            notes.append("%s left out: `%s` failed" % (name, " ".join(rt.wrap(["/bin/true"]))))
    if not runsc:
        notes.append("runsc-* left out: no runsc (set RUNSC or put one on PATH)")
    return rts, notes


# ---------------------------------------------------------------------------------------------
# Running things


class Ctx:
    """What a figure needs: the mode's parameters, the built programs, directories."""

    def __init__(self, mode, bindir, work):
        self.mode = mode
        self.p = MODES[mode]
        self.bindir = bindir
        self.work = work
        self.native_tmp = None  # a fresh directory in /dev/shm (a tmpfs) for native runs
        self.volume = os.path.join(work, "volume")
        self.clip = None
        self.durations = {}  # figure id -> seconds spent on it, every runtime and round

    def bin(self, name):
        return os.path.join(self.bindir, name)

    def tmpfs_dir(self, rt):
        """A tmpfs directory for file figures: the sandbox's own /dev/shm (a new tmpfs each
        run), or natively a fresh directory under the host's /dev/shm."""
        return self.native_tmp if not rt.sandbox else "/dev/shm"


def env():
    e = dict(os.environ)
    e["PATH"] = SYSTEM_PATH
    e["LC_ALL"] = "C"
    return e


def run(rt, argv, ctx, volume=None, timeout=None):
    """Runs argv in rt and returns its stdout; raises Failed with the tail of stderr."""
    cmd = rt.wrap(argv, volume)
    timeout = timeout or ctx.p["timeout"]
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout, env=env(), cwd=ctx.work)
    except subprocess.TimeoutExpired:
        kill_descendants()
        raise Failed("timed out after %ss" % timeout)
    except OSError as e:
        raise Failed(str(e))
    if r.returncode != 0:
        tail = (r.stderr.strip().splitlines() or ["exit status %d" % r.returncode])[-1]
        raise Failed("exit status %d: %s" % (r.returncode, tail[:200]))
    return r.stdout


def last_number(out, key):
    """From the programs' output lines "<key> ... <number> <unit>", the number of key."""
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0] == key:
            try:
                return float(f[-2])
            except ValueError:
                break
    raise Failed("no %r line in the output" % key)


def timed_runs(rt, argv, ctx, runs):
    """Median wall time in ms of `runs` runs of argv in rt (hyperfine -N when installed, else
    a loop here); each run must succeed."""
    cmd = rt.wrap(argv)
    hf = shutil.which("hyperfine", path=SYSTEM_PATH)
    if hf:
        out = os.path.join(ctx.work, "hyperfine.json")
        try:
            r = subprocess.run([hf, "-N", "--warmup", "1", "--runs", str(max(runs, 2)),
                                "--export-json", out, "--", " ".join(cmd)],
                               capture_output=True, text=True, timeout=ctx.p["timeout"],
                               env=env(), cwd=ctx.work)
        except subprocess.TimeoutExpired:
            kill_descendants()
            raise Failed("timed out")
        if r.returncode != 0:
            raise Failed("hyperfine: " + (r.stderr.strip().splitlines() or ["failed"])[-1][:200])
        with open(out) as f:
            return json.load(f)["results"][0]["median"] * 1000
    times = []
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=env(), cwd=ctx.work,
                           timeout=ctx.p["timeout"])
        t1 = time.perf_counter()
        if r.returncode != 0:
            raise Failed("exit status %d" % r.returncode)
        times.append((t1 - t0) * 1000)
    return statistics.median(times[1:])  # the first run warms the caches


def wall_seconds(rt, argv, ctx, volume=None):
    t0 = time.perf_counter()
    run(rt, argv, ctx, volume)
    return time.perf_counter() - t0


# ---- processes: this suite is a child subreaper, so that every process a sandbox leaves
# behind stays its descendant; it only ever signals its own descendants, by pid.

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def proc_stat(pid):
    """(ppid, utime+stime in clock ticks) of pid, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    f = s[s.rindex(")") + 2:].split()
    return int(f[1]), int(f[11]) + int(f[12])


def descendants(root=None):
    root = root or os.getpid()
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st:
                children.setdefault(st[0], []).append(int(d))
    out, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def reap_zombies():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_descendants():
    """Kills every descendant of this process and waits (up to 10 s) until they are gone, so
    that nothing of one measurement is counted in the next."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pids = descendants()
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap_zombies()
        time.sleep(0.01)
    print("bench: some processes outlived SIGKILL: %s" % descendants(), flush=True)


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def is_sentry(pid):
    """cvisor's and runsc's Sentry are both started as `<binary> ... boot ...`."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return b"boot" in argv[1:8]


def cpu_ns(pids):
    """{pid: CPU time used so far by every thread of pid, in ns}, from
    /proc/PID/task/TID/schedstat (ns resolution; /proc/PID/stat counts clock ticks)."""
    out = {}
    for pid in pids:
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        total = 0
        for tid in tids:
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        out[pid] = total
    return out


def cpu_used(before, after):
    """ns of CPU used between two cpu_ns() readings by the processes of both (a thread that
    exited in between takes its time with it, so a process is never counted below zero)."""
    return sum(max(after[p] - before[p], 0) for p in before if p in after)


def start_idle(rt, ctx, n):
    """Starts n idle sandboxes (`sleep`) in rt and waits until each has printed that it runs
    and their CPU time has stopped growing. Returns the Popen objects."""
    kill_descendants()  # nothing left over from an earlier measurement
    procs = []
    argv = ["/bin/sh", "-c", "echo ready; exec sleep 100000"]
    for _ in range(n):
        procs.append(subprocess.Popen(rt.wrap(argv), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      env=env(), cwd=ctx.work))
    for p in procs:
        if p.stdout.readline().strip() != b"ready":
            stop_idle(procs)
            raise Failed("an idle sandbox did not start")
    last, deadline = cpu_ns(descendants()), time.monotonic() + 5
    while time.monotonic() < deadline:  # settle: under 1 ms of CPU in 100 ms
        time.sleep(0.1)
        now = cpu_ns(descendants())
        if cpu_used(last, now) < 1e6:
            break
        last = now
    return procs


def stop_idle(procs):
    for p in procs:
        p.kill()
        p.wait()
        p.stdout.close()
    kill_descendants()


# ---------------------------------------------------------------------------------------------
# The figures


def fig_syscall(ctx, rt):
    out = run(rt, [ctx.bin("getpid"), str(ctx.p["secs"])], ctx)
    return {("syscall.getpid", "syscall_time_ns"): last_number(out, "syscall"),
            ("syscall.getpid_inline", "syscall_time_ns"): last_number(out, "inline")}


def fig_clock(ctx, rt):
    out = run(rt, [ctx.bin("clock"), str(ctx.p["secs"])], ctx)
    return {("clock.gettime", "call_time_ns"): last_number(out, "clock_gettime")}


def fig_pipe(ctx, rt):
    out = run(rt, [ctx.bin("pipe"), str(ctx.p["secs"])], ctx)
    return {("pipe.pingpong", "round_trip_us"): last_number(out, "pipe")}


def fig_fork(ctx, rt):
    out = run(rt, [ctx.bin("fork"), str(ctx.p["secs"])], ctx)
    return {("fork.exit_wait", "fork_time_us"): last_number(out, "fork")}


def fig_mmap(ctx, rt):
    out = run(rt, [ctx.bin("mmap"), str(ctx.p["secs"])], ctx)
    return {("mmap.page", "map_time_us"): last_number(out, "mmap-page"),
            ("mmap.1mib", "map_time_us"): last_number(out, "mmap-1mib")}


def fig_scale(mode):
    def f(ctx, rt):
        s = str(ctx.p["secs"])
        out = run(rt, ["/bin/sh", "-c", 'exec 2>&1; "$0" %s 1 %s && "$0" %s 2 %s' %
                       (mode, s, mode, s), ctx.bin("scale")], ctx)
        ops = {}
        for line in out.splitlines():
            m = re.match(r"%s (\d+) threads \d+ ops ([0-9.]+) ops/s" % mode, line)
            if m:
                ops[int(m.group(1))] = float(m.group(2))
        if 1 not in ops or 2 not in ops or ops[1] <= 0:
            raise Failed("scale %s: %s" % (mode, out.strip()[-200:]))
        key = "scale." + mode
        return {(key, "scaling_2_over_1"): ops[2] / ops[1],
                (key, "ops_per_second_1_thread"): ops[1],
                (key, "ops_per_second_2_threads"): ops[2]}
    return f


def fig_sysbench_cpu(ctx, rt):
    out = run(rt, ["sysbench", "cpu", "--threads=1", "--time=%d" % ctx.p["sysbench_secs"],
                   "run"], ctx)
    m = re.search(r"events per second:\s*([0-9.]+)", out)
    if not m:
        raise Failed("no events per second in sysbench's output")
    return {("sysbench.cpu", "cpu_events_per_second"): float(m.group(1))}


def fig_sysbench_memory(ctx, rt):
    out = run(rt, ["sysbench", "memory", "--threads=1", "--memory-block-size=1K",
                   "--memory-total-size=100G", "--time=%d" % ctx.p["sysbench_secs"], "run"], ctx)
    m = re.search(r"\(([0-9.]+) MiB/sec\)", out)
    if not m:
        raise Failed("no MiB/sec in sysbench's output")
    return {("sysbench.memory", "memory_mib_per_second"): float(m.group(1))}


def fig_startup(ctx, rt):
    return {("startup.empty", "startup_time_ms"): timed_runs(rt, ["/bin/true"], ctx,
                                                              ctx.p["runs"])}


def fig_python(ctx, rt):
    py = shutil.which("python3", path=SYSTEM_PATH) or "python3"
    return {("python.startup", "startup_time_ms"): timed_runs(rt, [py, "-c", "pass"], ctx,
                                                               max(ctx.p["runs"] // 2, 2))}


def fig_density(ctx, rt):
    n = ctx.p["density_n"]
    procs = start_idle(rt, ctx, n)
    try:
        pids = descendants()
        total = sum(pss_kib(p) for p in pids)
        sentries = [pss_kib(p) for p in pids if is_sentry(p)]
    finally:
        stop_idle(procs)
    res = {("density.empty", "memory_usage_mib"): total / n / 1024}
    if sentries and len(sentries) != n:
        raise Failed("found %d Sentry processes for %d sandboxes" % (len(sentries), n))
    if sentries:  # a runtime without a `boot` process has no Sentry row ("failed")
        res[("density.sentry", "sentry_pss_mib")] = sum(sentries) / n / 1024
    return res


def fig_idle_cpu(ctx, rt):
    secs = ctx.p["idle_secs"]
    procs = start_idle(rt, ctx, 1)
    try:
        t0 = cpu_ns(descendants())
        time.sleep(secs)  # the measurement interval itself
        t1 = cpu_ns(descendants())
    finally:
        stop_idle(procs)
    return {("idle.cpu", "cpu_ms_per_5s"): cpu_used(t0, t1) / 1e6 * 5 / secs}


def fig_filecycle(where):
    def f(ctx, rt):
        if where == "tmpfs":
            d, vol = ctx.tmpfs_dir(rt), None
        else:
            d, vol = rt.volume_path(ctx.volume), ctx.volume
        out = run(rt, [ctx.bin("filecycle"), d, str(ctx.p["secs"])], ctx, volume=vol)
        return {("file.cycle." + where, "file_time_us"): last_number(out, "filecycle")}
    return f


def fio_bandwidth(out):
    """(MB/s, seconds) of the job named "bench" in fio's JSON output."""
    try:
        jobs = json.loads(out[out.index("{"):])["jobs"]
        j = [j for j in jobs if j["jobname"] == "bench"][0]
    except (ValueError, KeyError, IndexError):
        raise Failed("fio's JSON could not be read")
    side = j["write"] if j["write"]["io_bytes"] else j["read"]
    if not side["io_bytes"]:
        raise Failed("fio moved no bytes")
    return side["bw_bytes"] / 1e6, side["runtime"] / 1e3


def fio_argv(ctx, path, rw, bs, layout=False):
    """fio's command line: the guide's sync engine and size, stopped after fio_time seconds.
    layout: an untimed job writes the file in 1 MiB blocks first (--stonewall orders them), so
    that a read job does not lay out its file in its own block size, inside the runtime."""
    argv = ["fio", "--output-format=json", "--filename=" + path, "--size=" + ctx.p["fio_size"],
            "--ioengine=sync", "--invalidate=0"]
    if layout:
        argv += ["--name=layout", "--rw=write", "--bs=1m"]
    return argv + ["--name=bench", "--stonewall", "--rw=" + rw, "--bs=" + bs,
                   "--runtime=%g" % ctx.p["fio_time"]]


def fig_fio(where, rw, bs):
    def f(ctx, rt):
        native = Runtime("native")
        if where == "tmpfs":
            path, vol = os.path.join(ctx.tmpfs_dir(rt), "fio.dat"), None
            host = os.path.join(ctx.native_tmp, "fio.dat")
        else:
            path = os.path.join(rt.volume_path(ctx.volume), "fio.dat")
            vol, host = ctx.volume, os.path.join(ctx.volume, "fio.dat")
        if os.path.exists(host):
            os.unlink(host)
        reads = "read" in rw
        # Reads on a volume find their file written beforehand on the host (untimed) and in
        # the page cache (--invalidate=0): fio's own lay-out drops the file's cache on the host
        # but not in a sandbox, which would make the runtimes read differently. On tmpfs the
        # file is written by an untimed first job inside the runtime.
        if where == "volume" and reads:
            run(native, fio_argv(ctx, host, "write", "1m"), ctx)
        # A fast job lasts tens of ms here, and one preemption by the machine's other users
        # halves it: a job is repeated (a new file each time) until fio_min seconds of fio's own
        # time are covered (at most fio_reps times), and the median is the round's value.
        argv = fio_argv(ctx, path, rw, bs, layout=reads and where == "tmpfs")
        bws, spent = [], 0.0
        try:
            while not bws or (spent < ctx.p["fio_min"] and len(bws) < ctx.p["fio_reps"]):
                bw, secs = fio_bandwidth(run(rt, argv, ctx, volume=vol))
                bws.append(bw)
                spent += secs
                if (where == "tmpfs" or not reads) and os.path.exists(host):
                    os.unlink(host)
        finally:
            if os.path.exists(host):
                os.unlink(host)
        bw = statistics.median(bws)
        return {("fio.%s.%s.%s" % (where, rw, bs), "bandwidth_mb_s"): bw}
    return f


def make_clip(ctx):
    """The ffmpeg input, made natively once per run: an MPEG-4 clip of lavfi's testsrc, 720p30."""
    if ctx.clip:
        return ctx.clip
    clip = os.path.join(ctx.work, "clip.mp4")
    run(Runtime("native"), ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
                            "-i", "testsrc=duration=%d:size=1280x720:rate=30" % ctx.p["clip_secs"],
                            "-c:v", "mpeg4", "-q:v", "3", clip], ctx)
    ctx.clip = clip
    return clip


def fig_ffmpeg(ctx, rt):
    clip = make_clip(ctx)
    out = os.path.join(ctx.tmpfs_dir(rt), "out.mp4")
    t = wall_seconds(rt, ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", clip,
                          "-c:v", "libx264", "-preset", "veryfast", out], ctx)
    if not rt.sandbox and os.path.exists(out):
        os.unlink(out)
    return {("ffmpeg.transcode", "run_time_s"): t}


def fig_gcc(ctx, rt):
    if not os.path.exists(PNGTEST):
        raise Failed(PNGTEST + " is missing (scripts/bench-deps.sh installs libpng-dev)")
    out = os.path.join(ctx.tmpfs_dir(rt), "pngtest")
    t = wall_seconds(rt, ["gcc", "-O2", "-o", out, PNGTEST, "-lpng", "-lz", "-lm"], ctx)
    if not rt.sandbox and os.path.exists(out):
        os.unlink(out)
    return {("gcc.compile", "run_time_s"): t}


def fig_mech(ctx, rt):
    s = str(ctx.p["secs"])
    res = {}
    for key, argv, name, metric in (
            ("mech.sigsys", [ctx.bin("sigsys"), s], "sigsys", "trap_time_ns"),
            ("mech.sud", [ctx.bin("sud"), s], "sud", "trap_time_ns"),
            ("mech.futex", [ctx.bin("handoff"), "futex", s], "futex", "round_trip_us"),
            ("mech.spin", [ctx.bin("handoff"), "spin", s], "spin", "round_trip_us")):
        res[(key, metric)] = last_number(run(rt, argv, ctx), name)
    return res


L, H = "lower", "higher"
FIO_JOBS = [(w, rw, bs) for w in ("tmpfs", "volume") for bs in ("4k", "1m")
            for rw in ("read", "write", "randread", "randwrite")]
QUICK_FIO = {("tmpfs", "randread", "4k"), ("tmpfs", "write", "1m")}
TINY_FIO = {("tmpfs", "randread", "4k")}


def figures():
    figs = [
        Figure("syscall", "getpid", [
            Method("syscall.getpid", "syscall_time_ns", "getpid through syscall()", "ns/call", L),
            Method("syscall.getpid_inline", "syscall_time_ns", "getpid through inline mov;syscall",
                   "ns/call", L)], fig_syscall),
        Figure("clock", "clock_gettime", [
            Method("clock.gettime", "call_time_ns", "clock_gettime(CLOCK_MONOTONIC)", "ns/call",
                   L)], fig_clock),
        Figure("pipe", "pipe ping-pong", [
            Method("pipe.pingpong", "round_trip_us", "pipe ping-pong between two processes",
                   "µs/round trip", L)], fig_pipe, modes=("full", "quick")),
        Figure("fork", "fork+exit+wait", [
            Method("fork.exit_wait", "fork_time_us", "fork + exit + wait", "µs/fork", L)],
            fig_fork, modes=("full", "quick")),
        Figure("mmap", "mmap+touch+munmap", [
            Method("mmap.page", "map_time_us", "mmap + touch + munmap, 1 page", "µs", L),
            Method("mmap.1mib", "map_time_us", "mmap + touch + munmap, 1 MiB (256 faults)", "µs",
                   L)], fig_mmap, modes=("full",)),
    ]
    for mode, what in (("getpid", "getpid"), ("fault", "page faults"),
                       ("openstat", "open/fstat/close")):
        figs.append(Figure("scale-" + mode, "2-thread scaling, " + what, [
            Method("scale." + mode, "scaling_2_over_1", "2 threads over 1, " + what,
                   "× ops/s of 1 thread", H),
            Method("scale." + mode, "ops_per_second_1_thread", "", "ops/s", H, chart=False),
            Method("scale." + mode, "ops_per_second_2_threads", "", "ops/s", H, chart=False)],
            fig_scale(mode), modes=("full", "quick") if mode == "getpid" else ("full",)))
    figs += [
        Figure("sysbench-cpu", "sysbench cpu", [
            Method("sysbench.cpu", "cpu_events_per_second", "sysbench cpu, 1 thread",
                   "events/s", H)], fig_sysbench_cpu),
        Figure("sysbench-memory", "sysbench memory", [
            Method("sysbench.memory", "memory_mib_per_second",
                   "sysbench memory, 1 thread, 1 KiB blocks", "MiB/s", H)], fig_sysbench_memory,
            modes=("full", "quick")),
        Figure("startup", "start-up of true", [
            Method("startup.empty", "startup_time_ms", "start-up of `true` (median)", "ms", L)],
            fig_startup),
        Figure("density", "density of idle sandboxes", [
            Method("density.empty", "memory_usage_mib", "host memory per idle sandbox (Pss)",
                   "MiB", L),
            Method("density.sentry", "sentry_pss_mib", "the Sentry's Pss, idle", "MiB", L,
                   scope="sandbox")], fig_density),
        Figure("idle-cpu", "CPU of an idle sandbox", [
            Method("idle.cpu", "cpu_ms_per_5s", "CPU time of an idle sandbox over 5 s", "ms", L)],
            fig_idle_cpu, modes=("full", "quick")),
        Figure("file-tmpfs", "create/write/close/unlink tmpfs", [
            Method("file.cycle.tmpfs", "file_time_us",
                   "create + write 4 KiB + close + stat + unlink, tmpfs", "µs/file", L)],
            fig_filecycle("tmpfs")),
        Figure("file-volume", "create/write/close/unlink volume", [
            Method("file.cycle.volume", "file_time_us",
                   "create + write 4 KiB + close + stat + unlink, volume", "µs/file", L)],
            fig_filecycle("volume"), modes=("full", "quick")),
    ]
    for where, rw, bs in FIO_JOBS:
        modes = ("full",) + (("quick",) if (where, rw, bs) in QUICK_FIO else ()) + \
            (("tiny",) if (where, rw, bs) in TINY_FIO else ())
        key = "fio.%s.%s.%s" % (where, rw, bs)
        figs.append(Figure("fio-%s-%s-%s" % (where, rw, bs), "fio %s %s %s" % (bs, rw, where), [
            Method(key, "bandwidth_mb_s", "fio %s, %s blocks, %s" % (rw, bs.upper().replace(
                "K", " KiB").replace("M", " MiB"), where), "MB/s", H)],
            fig_fio(where, rw, bs), modes=modes))
    figs += [
        Figure("ffmpeg", "ffmpeg transcode", [
            Method("ffmpeg.transcode", "run_time_s", "ffmpeg: 720p clip to libx264 veryfast",
                   "s", L)], fig_ffmpeg, modes=("full",)),
        Figure("python", "python3 start-up", [
            Method("python.startup", "startup_time_ms", "python3 -c pass (median)", "ms", L)],
            fig_python, modes=("full", "quick")),
        Figure("gcc", "gcc compile", [
            Method("gcc.compile", "run_time_s", "gcc -O2 of pngtest.c (2,158 lines) and link",
                   "s", L)], fig_gcc, modes=("full", "quick")),
        Figure("mech", "mechanisms", [
            Method("mech.sigsys", "trap_time_ns", "SIGSYS round trip (seccomp RET_TRAP)",
                   "ns", L, scope="native"),
            Method("mech.sud", "trap_time_ns", "SIGSYS round trip (syscall user dispatch)",
                   "ns", L, scope="native"),
            Method("mech.futex", "round_trip_us", "futex hand-off between two processes",
                   "µs/round trip", L, scope="native"),
            Method("mech.spin", "round_trip_us", "spin hand-off between two processes",
                   "µs/round trip", L, scope="native")], fig_mech, native_only=True),
    ]
    return figs


# ---------------------------------------------------------------------------------------------
# Building the programs and the main loop


def build_programs(bindir):
    """Builds bench/micro/*.c and bench/mech/*.c (gcc -O2 -static, warnings are errors) into
    bindir, each only when its source or timeloop.h is newer than the binary."""
    os.makedirs(bindir, exist_ok=True)
    header = os.path.join(HERE, "micro", "timeloop.h")
    for sub in ("micro", "mech"):
        d = os.path.join(HERE, sub)
        for name in sorted(os.listdir(d)):
            if not name.endswith(".c"):
                continue
            src, out = os.path.join(d, name), os.path.join(bindir, name[:-2])
            newest = max(os.path.getmtime(src), os.path.getmtime(header))
            if os.path.exists(out) and os.path.getmtime(out) >= newest:
                continue
            cmd = ["gcc", "-O2", "-static", "-pthread", "-Wall", "-Wextra", "-Werror", "-o",
                   out, src]
            if subprocess.run(cmd, env=env()).returncode != 0:
                sys.exit("bench: cannot build " + os.path.relpath(src, TOP))


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/run.sh", description=__doc__.split("\n\n")[0])
    ap.add_argument("--runtimes", help="space- or comma-separated runtime names")
    ap.add_argument("--quick", action="store_true", help="a representative subset (< 2 min)")
    ap.add_argument("--tiny", action="store_true", help="minimal sizes: the machinery test")
    ap.add_argument("--rounds", type=int, help="rounds per figure (median kept)")
    ap.add_argument("--cvisor", default=os.path.join(TOP, "build", "cvisor"))
    ap.add_argument("--results", default=os.environ.get("BENCH_RESULTS",
                                                        os.path.join(HERE, "results")))
    ap.add_argument("--work", default=os.path.join(HERE, ".work"),
                    help="scratch directory; must be visible inside the sandboxes (not /tmp)")
    ap.add_argument("--bin", help="where the programs are built (default WORK/bin)")
    ap.add_argument("--only", help="comma-separated figure ids (see --list)")
    ap.add_argument("--list", action="store_true", help="list the figures of the mode")
    ap.add_argument("cvisor_pos", nargs="?", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    a.mode = "tiny" if a.tiny else "quick" if a.quick else "full"
    if a.cvisor_pos:
        a.cvisor = a.cvisor_pos
    a.cvisor = os.path.abspath(a.cvisor)
    return a


def selected_figures(mode, only=None):
    figs = [f for f in figures() if mode in f.modes]
    if only:
        ids = set(only.replace(",", " ").split())
        unknown = ids - {f.fid for f in figures()}
        if unknown:
            sys.exit("bench: unknown figure(s): " + ", ".join(sorted(unknown)))
        figs = [f for f in figures() if f.fid in ids]
    return figs


def measure(figs, rts, ctx, rounds):
    """Runs every figure, rounds alternating the runtimes. Returns (per_round, medians):
    per_round[(rt, method, metric)] = [values]; medians[...] = value or "failed"."""
    per_round, failed = {}, set()
    for i, fig in enumerate(figs, 1):
        t0 = time.monotonic()
        frts = [r for r in rts if r.name == "native"] if fig.native_only else rts
        for rnd in range(1, rounds + 1):
            for rt in frts:
                print("bench: [%d/%d] %s %s (round %d/%d)" % (i, len(figs), fig.label, rt.name,
                                                             rnd, rounds), flush=True)
                try:
                    vals = fig.run(ctx, rt)
                except Failed as e:
                    print("bench:   %s failed %s: %s" % (rt.name, fig.label, e), flush=True)
                    failed.add((fig.fid, rt.name))
                    continue
                finally:
                    kill_descendants()  # a runtime's leftovers must not run into the next
                for (method, metric), v in vals.items():
                    per_round.setdefault((rt.name, method, metric), []).append(v)
        ctx.durations[fig.fid] = time.monotonic() - t0
    medians = {}
    for fig in figs:
        for rt in rts:
            for m in fig.methods:
                if not m.applies(rt) or (fig.native_only and rt.name != "native"):
                    continue
                vals = per_round.get((rt.name, m.method, m.metric))
                medians[(rt.name, m.method, m.metric)] = \
                    statistics.median(vals) if vals else "failed"
    return per_round, medians


def main(argv):
    a = parse_args(argv)
    if a.list:
        for f in selected_figures(a.mode, a.only):
            print("%-22s %s" % (f.fid, f.label))
        return 0
    if not os.access(a.cvisor, os.X_OK) and (a.runtimes is None or "cvisor" in a.runtimes):
        sys.exit("bench: %s is not an executable (build first)" % a.cvisor)
    p = MODES[a.mode]
    rounds = a.rounds or p["rounds"]
    stamp = time.strftime("%Y-%m-%d-%H%M%S")
    work = os.path.abspath(os.path.join(a.work, stamp))
    os.makedirs(work)
    bindir = os.path.abspath(a.bin or os.path.join(a.work, "bin"))
    build_programs(bindir)
    become_subreaper()
    runsc = find_runsc()
    names = a.runtimes.replace(",", " ").split() if a.runtimes else None
    rts, notes = make_runtimes(names, a.cvisor, runsc, work)
    figs = selected_figures(a.mode, a.only)
    ctx = Ctx(a.mode, bindir, work)
    ctx.native_tmp = "/dev/shm/cvisor-bench-%d" % os.getpid()
    os.makedirs(ctx.native_tmp)
    os.makedirs(ctx.volume)
    print("bench: %s mode, %d figures, %d round(s), runtimes: %s" %
          (a.mode, len(figs), rounds, " ".join(r.name for r in rts)), flush=True)
    for n in notes:
        print("bench: " + n, flush=True)
    t0 = time.monotonic()
    try:
        per_round, medians = measure(figs, rts, ctx, rounds)
    finally:
        kill_descendants()
        shutil.rmtree(ctx.native_tmp, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    info = report.RunInfo(stamp=stamp, mode=a.mode, rounds=rounds, runtimes=[r.name for r in rts],
                          notes=notes, cvisor=a.cvisor, runsc=runsc, top=TOP,
                          seconds=time.monotonic() - t0, params=p,
                          durations=ctx.durations)
    paths = report.write_all(a.results, info, figs, per_round, medians)
    print()
    print(report.summary_table(info, figs, medians))
    print()
    for path in paths:
        rel = os.path.relpath(path)
        print("bench: wrote " + (path if rel.startswith("..") else rel))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
