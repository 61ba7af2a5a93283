#!/usr/bin/env bash
# `tagfeed merge` of F generated Atom feeds of E entries each (a ~60-word summary apiece) into one
# Atom feed: CPU, wall and peak RSS per run, median of ROUNDS. See README.md.
#
# usage: benches/perf/merge.sh [F=100] [E=1000] [ROUNDS=3]
#   TAGFEED_BIN=path  measure that binary instead of building target/release/tagfeed
#   BASE_BIN=path     also measure this binary, interleaved, and print the ratio
set -euo pipefail
feeds=${1:-100}; entries=${2:-1000}; rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tools=$repo/target/bench-tools
mkdir -p "$tools/work" "$tools/perf-results"
work=$(mktemp -d "$tools/work/merge.XXXXXX")
trap 'rm -rf "$work"' EXIT

. "$here/common.sh"
tf=$(tagfeed_bin)

python3 - "$work/in" "$feeds" "$entries" <<'EOF'
import os, random, sys
out, nf, ne = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out)
random.seed(3)
words = "alliance partner defense minister summit cooperation training exercise support security".split()
for f in range(nf):
    es = []
    for i in range(ne):
        title = " ".join(random.choice(words).capitalize() for _ in range(8))
        body = " ".join(random.choice(words) for _ in range(60))
        mon, day = 1 + (i // 28) % 12, 1 + i % 28
        es.append(f'<entry><title>{title}</title><link href="https://example.org/f{f}/{i}"/>'
                  f'<id>https://example.org/f{f}/{i}</id><updated>2025-{mon:02d}-{day:02d}T10:{i % 60:02d}:00Z</updated>'
                  f'<summary type="html">&lt;p&gt;{body}&lt;/p&gt;</summary></entry>')
    with open(f"{out}/f{f}.xml", "w") as fh:
        fh.write('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                 f'<title>Feed {f}</title><id>https://example.org/f{f}/</id>'
                 f'<updated>2025-12-01T00:00:00Z</updated><link href="https://example.org/f{f}/"/>'
                 + "".join(es) + "</feed>")
EOF
size=$(du -sm "$work/in" | cut -f1)

one() { # BIN -> "cpu wall rss_mb"
  python3 "$here/measure.py" -- "$1" -q merge -o "$work/out.atom.xml" --self-url https://f.example.org/all.atom.xml "$work"/in/*.xml \
    | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print("%.2f %.2f %.0f" % (r["user"] + r["sys"], r["wall"], r["maxrss_kb"] / 1024))'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: >"$work/new"; : >"$work/base"
for r in $(seq "$rounds"); do
  one "$tf" >>"$work/new"
  if [ -n "${BASE_BIN:-}" ]; then one "$BASE_BIN" >>"$work/base"; fi
done
report() { # LABEL FILE
  printf '%-10s %8s %8s %8s\n' "$1" "$(cut -d' ' -f1 "$2" | median)" "$(cut -d' ' -f2 "$2" | median)" \
    "$(cut -d' ' -f3 "$2" | median)"
}
{
  echo "tagfeed merge: $feeds Atom feeds x $entries entries ($size MB) -> one Atom feed (default --max-items), median of $rounds"
  printf '%-10s %8s %8s %8s\n' binary "cpu s" "wall s" "RSS MB"
  report tagfeed "$work/new"
  if [ -n "${BASE_BIN:-}" ]; then report base "$work/base"; fi
} | tee "$tools/perf-results/merge-$(date +%Y%m%d-%H%M%S).txt"
