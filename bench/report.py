# SPDX-License-Identifier: Apache-2.0
"""The outputs of bench/suite.py: the CSV in the guide's shape (runtime,method,metric,result),
one row per round beside it, one SVG bar chart per charted method (bars per runtime, native
first, written here without third-party modules) and the Markdown report with each runtime's
ratio to native."""

import csv
import math
import os
import platform
import subprocess
from xml.sax.saxutils import escape

# Issue 8's targets for cvisor-systrap, by method: (kind, bound, text). kind "ratio": value /
# native; "abs": the value itself; "mech": value / the native mechanism named in bound[1].
TARGETS = {
    "syscall.getpid_inline": ("ratio", ("<=", 5.0), "≤ 5× native"),
    "syscall.getpid": ("mech", ("<=", 1.5, "mech.sigsys"), "≤ 1.5× one SIGSYS round trip"),
    "clock.gettime": ("ratio", ("<=", 1.5), "≤ 1.5× native"),
    "scale.getpid": ("abs", (">=", 1.7), "≥ 1.7"),
    "scale.fault": ("abs", (">=", 1.7), "≥ 1.7"),
    "scale.openstat": ("abs", (">=", 1.7), "≥ 1.7"),
    "sysbench.cpu": ("ratio", (">=", 0.99), "≥ 0.99× native"),
    "sysbench.memory": ("ratio", (">=", 0.98), "≥ 0.98× native"),
    "startup.empty": ("abs", ("<=", 10.0), "≤ 10 ms"),
    "density.empty": ("abs", ("<=", 2.0 * 1e6 / 2**20), "≤ 2 MB"),
    "file.cycle.tmpfs": ("ratio", ("<=", 3.0), "≤ 3× native time"),
    "fio.tmpfs.write.4k": ("ratio", (">=", 0.5), "≥ 0.5× native"),
    "fio.tmpfs.randread.4k": ("ratio", (">=", 0.3), "≥ 0.3× native"),
    "fio.tmpfs.randwrite.4k": ("ratio", (">=", 0.3), "≥ 0.3× native"),
    "ffmpeg.transcode": ("ratio", ("<=", 1.1), "≤ 1.1× native time"),
    "gcc.compile": ("ratio", ("<=", 1.1), "≤ 1.1× native time"),
    "python.startup": ("ratio", ("<=", 1.5), "≤ 1.5× native time"),
}

COLOURS = {"native": "#5b6770", "cvisor-systrap": "#1b9e77", "cvisor-ptrace": "#7fc97f",
           "runsc-systrap": "#d95f02", "runsc-ptrace": "#fdb462"}
OTHER_COLOURS = ["#7570b3", "#e7298a", "#66a61e", "#e6ab02"]


class RunInfo:
    """What the report says about the run (stamp, mode, rounds, runtimes, notes, paths...)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def fmt(v):
    """A value for people: a few significant digits, thousands separated."""
    if isinstance(v, str):
        return v
    a = abs(v)
    if a >= 1000:
        return "{:,.0f}".format(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3g" % v


def fmt_csv(v):
    if isinstance(v, str):
        return v
    s = "%.4f" % v
    return s.rstrip("0").rstrip(".") if "." in s else s


def ratio_text(v, base):
    if isinstance(v, str) or isinstance(base, str) or base is None or base <= 0:
        return None
    r = v / base
    return ("%.3f×" if r < 0.1 else "%.2f×") % r


def charted(figs):
    return [m for f in figs for m in f.methods if m.chart]


def chart_name(m):
    return m.method + ".svg"


def write_all(results, info, figs, per_round, medians):
    """Writes <stamp>.csv, <stamp>.rounds.csv, <stamp>/*.svg and <stamp>.md under results.
    Returns the paths written (the CSV, the Markdown and the chart directory)."""
    os.makedirs(results, exist_ok=True)
    base = os.path.join(results, info.stamp)
    rows = [(rt, m.method, m.metric, medians[(rt, m.method, m.metric)])
            for f in figs for m in f.methods for rt in info.runtimes
            if (rt, m.method, m.metric) in medians]
    with open(base + ".csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["runtime", "method", "metric", "result"])
        for rt, method, metric, v in rows:
            w.writerow([rt, method, metric, fmt_csv(v)])
    with open(base + ".rounds.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["runtime", "method", "metric", "round", "result"])
        for (rt, method, metric), vals in sorted(per_round.items()):
            for i, v in enumerate(vals, 1):
                w.writerow([rt, method, metric, i, fmt_csv(v)])
    os.makedirs(base, exist_ok=True)
    for m in charted(figs):
        vals = [(rt, medians[(rt, m.method, m.metric)]) for rt in info.runtimes
                if (rt, m.method, m.metric) in medians]
        if vals:
            with open(os.path.join(base, chart_name(m)), "w") as f:
                f.write(svg_chart(m, vals))
    with open(base + ".md", "w") as f:
        f.write(markdown(info, figs, medians))
    return [base + ".csv", base + ".md", base]


# ---- the Markdown report


def target_cell(m, rt, medians):
    t = TARGETS.get(m.method)
    if not t or rt == "native":
        return None
    v = medians.get((rt, m.method, m.metric))
    if isinstance(v, str) or v is None:
        return None
    kind, bound, _ = t
    if kind == "ratio":
        base = medians.get(("native", m.method, m.metric))
        if isinstance(base, str) or not base:
            return None
        x = v / base
    elif kind == "mech":
        mech = [val for (r, meth, _), val in medians.items() if r == "native" and meth == bound[2]]
        if not mech or isinstance(mech[0], str) or not mech[0]:
            return None
        x = v / mech[0]
    else:
        x = v
    ok = x <= bound[1] if bound[0] == "<=" else x >= bound[1]
    return "met" if ok else "missed"


def results_table(info, figs, medians, with_targets=False):
    rts = info.runtimes
    head = ["figure", "unit", "better"] + rts
    if with_targets:
        head += ["issue 8 target (systrap)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for f in figs:
        if f.native_only:
            continue
        for m in charted([f]):
            base = medians.get(("native", m.method, m.metric))
            cells = [m.title, m.unit, m.better]
            for rt in rts:
                v = medians.get((rt, m.method, m.metric))
                if v is None:
                    cells.append("–")
                    continue
                r = ratio_text(v, base) if rt != "native" else None
                cells.append(fmt(v) + (" (%s)" % r if r else ""))
            if with_targets:
                t = TARGETS.get(m.method)
                marks = [x for x in (target_cell(m, rt, medians) for rt in rts
                                     if rt.startswith("cvisor-systrap")) if x]
                cells.append((t[2] if t else "") + (" — " + marks[0] if t and marks else ""))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_table(info, figs, medians):
    return results_table(info, figs, medians)


def mech_table(figs, medians):
    lines = ["| mechanism | native | unit |", "|---|---|---|"]
    for f in figs:
        if f.native_only:
            for m in f.methods:
                v = medians.get(("native", m.method, m.metric), "failed")
                lines.append("| %s | %s | %s |" % (m.title, fmt(v), m.unit))
    return "\n".join(lines) if len(lines) > 2 else ""


def git_describe(top):
    try:
        r = subprocess.run(["git", "-C", top, "describe", "--always", "--dirty"],
                           capture_output=True, text=True, timeout=10)
        return r.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def runsc_version(runsc):
    if not runsc:
        return "none found (set RUNSC, or build one with the runsc build script of the shared tools)"
    try:
        r = subprocess.run([runsc, "--version"], capture_output=True, text=True, timeout=10)
        return "%s (%s)" % (os.path.basename(runsc), r.stdout.splitlines()[0])
    except (OSError, IndexError):
        return runsc


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
    except OSError:
        load = "?"
    return "%d vCPU %s, Linux %s, load average %s at the end" % (
        os.cpu_count(), model, platform.release(), load)


def markdown(info, figs, medians):
    p = info.params
    out = ["# cvisor benchmarks, %s" % info.stamp, ""]
    out.append("Machine: %s." % machine())
    out.append("cvisor: %s (%s). runsc: %s." % (os.path.basename(info.cvisor),
                                                git_describe(info.top), runsc_version(info.runsc)))
    out.append("Mode: %s; %d round(s) per figure, the runtimes alternating within each round; "
               "medians. Ran %.0f s." % (info.mode, info.rounds, info.seconds))
    for n in info.notes:
        out.append("Note: %s." % n)
    out += ["", "## Results", "",
            "Each cell is the median; in brackets, the ratio to native (value / native). "
            "*better* says which way is better: for times a ratio above 1 is a slowdown, for "
            "throughputs a ratio below 1 is the share of native kept. Charts: `%s/`." %
            info.stamp, "", results_table(info, figs, medians, with_targets=True), ""]
    mech = mech_table(figs, medians)
    if mech:
        out += ["## Mechanisms (native, same run)", "",
                "The bounds of the figures above: a syscall trapped by seccomp or syscall user "
                "dispatch costs at least one SIGSYS round trip; handing it to another process "
                "costs a futex wake-up, or a spin hand-off when both sides have a CPU.", "",
                mech, ""]
    out += ["## Parameters", "",
            "- micro-benchmarks (bench/micro, bench/mech, gcc -O2 -static): %g s of wall time "
            "per method after a warm-up, per round." % p["secs"],
            "- start-up: %d runs per round (hyperfine -N when installed), median; python3 "
            "start-up half as many." % p["runs"],
            "- sysbench: 1 thread, --time=%g; memory with 1 KiB blocks." % p["sysbench_secs"],
            "- density: %d idle sandboxes of `sleep`; Pss of every host process of theirs "
            "(/proc/PID/smaps_rollup) summed and divided by %d. Idle CPU: utime+stime of all "
            "of a sandbox's host processes over %g s, scaled to 5 s." %
            (p["density_n"], p["density_n"], p["idle_secs"]),
            "- fio: --ioengine=sync --size=%s --runtime=%g (whichever ends first) "
            "--invalidate=0; tmpfs is the sandbox's own /dev/shm (natively the host's); "
            "volume is a host directory bind-mounted in (runsc: its root without overlay)."
            % (p["fio_size"], p["fio_time"]),
            "- ffmpeg: a %d s 1280x720 30 fps MPEG-4 testsrc clip made natively, transcoded to "
            "libx264 -preset veryfast onto tmpfs; wall seconds." % p["clip_secs"],
            "- gcc: gcc -O2 of libpng-dev's example pngtest.c, linked; wall seconds.",
            "", "CSV: `%s.csv` (runtime,method,metric,result; medians) and `%s.rounds.csv` "
            "(every round)." % (info.stamp, info.stamp), "",
            "Time spent per figure (all runtimes and rounds), s: " +
            ", ".join("%s %.1f" % (k, v) for k, v in info.durations.items()) + ".", ""]
    return "\n".join(out)


# ---- SVG


def nice_max(v):
    """The top of the y axis: the smallest 1, 2, 2.5, 5 or 10 × 10^k at or above v."""
    if v <= 0:
        return 1.0
    k = 10 ** math.floor(math.log10(v))
    return next(k * m for m in (1, 2, 2.5, 5, 10) if k * m >= v * (1 - 1e-12))


def svg_chart(m, vals):
    """One bar chart: a bar per runtime (native first, as given), its value above, its ratio to
    native under its name. vals: [(runtime, value or "failed")]."""
    w, h = 640, 360
    left, right, top, bottom = 80, 20, 64, 300
    nums = [v for _, v in vals if not isinstance(v, str)]
    ymax = nice_max(max(nums) * 1.1) if nums else 1.0
    base = dict(vals).get("native")
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif">' % (w, h, w, h),
           "<title>%s</title>" % escape(m.title),
           '<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>' % (w, h),
           '<text x="%d" y="26" font-size="16" font-weight="bold" text-anchor="middle">%s</text>'
           % (w // 2, escape(m.title)),
           '<text x="%d" y="46" font-size="12" fill="#555555" text-anchor="middle">%s, %s is '
           'better</text>' % (w // 2, escape(m.unit), m.better)]
    for i in range(6):  # grid and y labels
        y = bottom - (bottom - top) * i / 5
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dddddd"/>' %
                   (left, y, w - right, y))
        out.append('<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#555555">%s'
                   '</text>' % (left - 6, y + 4, escape(fmt(ymax * i / 5))))
    out.append('<text x="18" y="%d" font-size="12" fill="#555555" text-anchor="middle" '
               'transform="rotate(-90 18 %d)">%s</text>' % ((top + bottom) // 2,
                                                          (top + bottom) // 2, escape(m.unit)))
    slot = (w - right - left) / max(len(vals), 1)
    bw = min(90, slot * 0.6)
    others = iter(OTHER_COLOURS * 4)
    for i, (rt, v) in enumerate(vals):
        cx = left + slot * (i + 0.5)
        colour = COLOURS.get(rt) or next(others)
        if isinstance(v, str):
            out.append('<text x="%.1f" y="%d" font-size="12" fill="#b00020" '
                       'text-anchor="middle">failed</text>' % (cx, bottom - 8))
        else:
            bh = (bottom - top) * v / ymax
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s">'
                       '<title>%s: %s %s</title></rect>' %
                       (cx - bw / 2, bottom - bh, bw, bh, colour, escape(rt), fmt(v),
                        escape(m.unit)))
            out.append('<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle">%s</text>'
                       % (cx, bottom - bh - 5, escape(fmt(v))))
        out.append('<text x="%.1f" y="%d" font-size="12" text-anchor="middle">%s</text>' %
                   (cx, bottom + 18, escape(rt)))
        r = ratio_text(v, base) if rt != "native" else None
        if r:
            out.append('<text x="%.1f" y="%d" font-size="11" fill="#555555" '
                       'text-anchor="middle">%s native</text>' % (cx, bottom + 34, r))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333333"/>' %
               (left, bottom, w - right, bottom))
    out.append("</svg>\n")
    return "\n".join(out)
