#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The meson test of the benchmark machinery (suite `bench`): runs bench/run.sh --tiny for
native and cvisor-ptrace, then checks what it wrote, never a timing:

  - a progress line for every figure and runtime of the tiny set;
  - the CSV in the guide's shape, with a numeric row per runtime per (method, metric) of every
    figure, a "failed" row counting as a failure here (in the tiny set every figure must run);
  - one SVG per charted method, each well-formed XML with a bar per runtime;
  - the Markdown report with a row per charted method.

    selftest.py CVISOR WORKDIR      (WORKDIR must be visible in a sandbox: not under /tmp)
"""

import csv
import glob
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import suite  # noqa: E402

RUNTIMES = ["native", "cvisor-ptrace"]
SVG_NS = "{http://www.w3.org/2000/svg}"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def expected(figs):
    """[(runtime, method, metric)] the tiny run must have produced."""
    out = []
    for f in figs:
        for m in f.methods:
            for name in RUNTIMES:
                rt = suite.Runtime(name)
                if f.native_only and name != "native":
                    continue
                if m.applies(rt):
                    out.append((name, m.method, m.metric))
    return out


def check_csv(path, figs):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != ["runtime", "method", "metric", "result"]:
        fail("%s: header is %r" % (path, rows[:1]))
    got = {}
    for r in rows[1:]:
        if len(r) != 4:
            fail("%s: row %r has %d fields" % (path, r, len(r)))
        if tuple(r[:3]) in got:
            fail("%s: row %r appears twice" % (path, r[:3]))
        got[tuple(r[:3])] = r[3]
    for key in expected(figs):
        if key not in got:
            fail("%s: no row for %s" % (path, ",".join(key)))
        try:
            float(got[key])
        except ValueError:
            fail("%s: %s is %r, not a number" % (path, ",".join(key), got[key]))
    extra = set(got) - set(expected(figs))
    if extra:
        fail("%s: unexpected rows %s" % (path, sorted(extra)))
    print("ok: %s has the %d expected rows" % (os.path.basename(path), len(got)))


def check_svgs(chart_dir, figs):
    methods = [m for f in figs for m in f.methods if m.chart]
    files = sorted(glob.glob(os.path.join(chart_dir, "*.svg")))
    if len(files) != len(methods):
        fail("%d charts for %d charted methods" % (len(files), len(methods)))
    for m in methods:
        path = os.path.join(chart_dir, m.method + ".svg")
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as e:
            fail("%s: %s" % (path, e))
        if root.tag != SVG_NS + "svg":
            fail("%s: root element is %s" % (path, root.tag))
        bars = [r for r in root.iter(SVG_NS + "rect") if r.find(SVG_NS + "title") is not None]
        want = len(RUNTIMES) if m.scope == "all" else 1
        if len(bars) != want:
            fail("%s: %d bars, expected %d" % (path, len(bars), want))
    print("ok: %d charts parse, each with a bar per runtime" % len(files))


def check_md(path, figs):
    with open(path) as f:
        text = f.read()
    for f in figs:
        for m in f.methods:
            if m.chart and ("| %s |" % m.title) not in text:
                fail("%s: no row for %r" % (path, m.title))
    print("ok: the report has a row per figure")


def main():
    if len(sys.argv) != 3:
        fail("usage: selftest.py CVISOR WORKDIR")
    cvisor, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    results = os.path.join(work, "results")
    figs = suite.selected_figures("tiny")
    cmd = [os.path.join(HERE, "run.sh"), "--tiny", "--runtimes=" + ",".join(RUNTIMES),
           "--cvisor=" + cvisor, "--results=" + results, "--work=" + os.path.join(work, "w")]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=150)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        fail("bench/run.sh exited with %d" % r.returncode)
    progress = re.findall(r"^bench: \[(\d+)/(\d+)\] .* \(round 1/1\)$", r.stdout, re.M)
    want = sum(1 if f.native_only else len(RUNTIMES) for f in figs)
    if len(progress) != want or any(int(n) != len(figs) for _, n in progress):
        fail("%d progress lines, expected %d of [i/%d]" % (len(progress), want, len(figs)))
    csvs = [p for p in glob.glob(os.path.join(results, "*.csv")) if not p.endswith(".rounds.csv")]
    if len(csvs) != 1:
        fail("expected one CSV in %s, found %d" % (results, len(csvs)))
    base = csvs[0][:-len(".csv")]
    check_csv(csvs[0], figs)
    check_svgs(base, figs)
    check_md(base + ".md", figs)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
