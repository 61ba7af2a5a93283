#!/usr/bin/env python3
"""Prints run.sh's results as a plain-text table: medians over the rounds, and ratios taken pair by
pair within each round (then their median).

usage: report.py RESULTS N ROUNDS   (RESULTS: lines "LABEL ROUND {measure.py json}" and
                                     "fsync LABEL COUNT")
"""
import json, statistics, sys

path, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs, fsyncs, busy = {}, {}, {}
for line in open(path):
    parts = line.split(" ", 2)
    if parts[0] == "busy":
        a, b = map(float, parts[2].split())
        busy[int(parts[1])] = b - a
    elif parts[0] == "fsync":
        fsyncs[parts[1]] = parts[2].strip()
    else:
        runs.setdefault(parts[0], {})[int(parts[1])] = json.loads(parts[2])


def med(label, key):
    vals = [r[key] for r in runs.get(label, {}).values()]
    return statistics.median(vals) if vals else None


def watched(label, d, key):
    vals = [r["watched"].get(d, {}).get(key) for r in runs.get(label, {}).values()]
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def ratio(a, b, key="cpu"):
    pairs = [runs[a][i][key] / runs[b][i][key] for i in runs.get(a, {})
             if i in runs.get(b, {}) and runs[b][i][key] > 0]
    return statistics.median(pairs) if pairs else None


def f(v, fmt="{:.2f}"):
    return "-" if v is None else fmt.format(v)


failed = sorted({l for l, rs in runs.items() for r in rs.values() if r["rc"] != 0})
rows = [
    ("tagfeed cold (no store, no feeds)", "cold", "feeds", "state"),
    ("rsspls (1 format, no store)", "rsspls", "rsspls-out", None),
    ("tagfeed rerun, nothing changed", "nochange", "feeds", "state"),
    ("tagfeed rerun, 1 page changed", "onechange", "feeds", "state"),
    ("parse floor (html5ever+select, 1 thread)", "floor", None, None),
]
cfg_rows = sorted((l for l in runs if l.startswith("check")), key=lambda l: int(l[5:]))
rows += [(f"tagfeed check, {int(l[5:]):,} url sources", l, None, None) for l in cfg_rows]

print(f"{n:,} pages, {rounds} interleaved rounds; medians (ratios: median of per-round ratios)")
if busy:
    other = [busy[i] - sum(rs[i]["cpu"] for rs in runs.values() if i in rs) for i in sorted(busy)]
    print("CPU s used by everything else during each round (the harness's own cp/python included, "
          "about 1 s at 1,000 pages): " + " ".join(f"{o:.1f}" for o in other))
hdr = f"{'run':42} {'cpu s':>7} {'user':>6} {'sys':>6} {'wall s':>7} {'cpu/wall':>8} {'RSS MB':>7} {'written MB':>10} {'files chg':>9} {'store MB':>9} {'fsyncs':>6}"
print(hdr)
print("-" * len(hdr))
for title, label, fdir, sdir in rows:
    if label not in runs:
        continue
    cpu, wall = med(label, "cpu"), med(label, "wall")
    print(f"{title:42} {f(cpu):>7} {f(med(label, 'user')):>6} {f(med(label, 'sys')):>6} {f(wall):>7} "
          f"{f(cpu / wall if wall else None):>8} {f(med(label, 'maxrss_kb') / 1024, '{:.0f}'):>7} "
          f"{f(med(label, 'write_bytes') / 1e6, '{:.1f}'):>10} "
          f"{f(watched(label, fdir, 'changed') if fdir else None, '{:.0f}'):>9} "
          f"{f(watched(label, sdir, 'bytes_after') / 1e6 if sdir else None, '{:.1f}'):>9} "
          f"{fsyncs.get(label, '-'):>6}")
print()
print("ratios")
for title, a, b, key in [
    ("tagfeed cold / rsspls, CPU", "cold", "rsspls", "cpu"),
    ("tagfeed cold / rsspls, wall", "cold", "rsspls", "wall"),
    ("tagfeed cold / parse floor, CPU", "cold", "floor", "cpu"),
    ("rsspls / parse floor, CPU", "rsspls", "floor", "cpu"),
    ("rerun nothing changed / cold, CPU", "nochange", "cold", "cpu"),
    ("rerun nothing changed / cold, wall", "nochange", "cold", "wall"),
    ("rerun 1 page changed / cold, CPU", "onechange", "cold", "cpu"),
    ("rerun 1 page changed / cold, wall", "onechange", "cold", "wall"),
]:
    print(f"  {title:40} {f(ratio(a, b, key), '{:.3f}')}")
if failed:
    print(f"\nWARNING: non-zero exit status in: {', '.join(failed)} (see the log)")
