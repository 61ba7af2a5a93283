#!/usr/bin/env bash
# Kill soak: `tagfeed run` on 200 changing saved listings (and a merge of them), killed with
# SIGKILL at a random moment, KILLS times. After every kill: each feed file must parse (XML or
# JSON), the store must pass `PRAGMA integrity_check`, and the next run must succeed.
#
# usage: scripts/kill-soak.sh [KILLS=120]
#   TAGFEED_BIN=path  use that binary instead of building target/release/tagfeed
set -euo pipefail
kills=${1:-120}
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${TAGFEED_BIN:-}" ]; then
  tf=$(realpath "$TAGFEED_BIN")
else
  (cd "$repo" && cargo build --release -q)
  tf=$repo/target/release/tagfeed
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

python3 - <<'PY'
sources = 200
with open("tagfeed.toml", "w") as f:
    f.write('[output]\ndir = "feeds"\nbase_url = "https://feeds.example.org/"\n[store]\npath = "tagfeed.db"\n\n')
    for s in range(sources):
        f.write(f'[[source]]\nname = "s{s}"\npath = "pages/{s}.html"\npage_url = "https://site.example.org/t/"\n'
                '[source.select]\nitem = "li.item"\n\n')
    f.write('[[merge]]\nname = "all"\ntitle = "All"\nsources = [' + ", ".join(f'"s{s}"' for s in range(sources)) + "]\n")
PY
mkdir -p pages
pages() { # ROUND: every page gets new items
  python3 - "$1" <<'PY'
import sys
r = int(sys.argv[1])
for s in range(200):
    items = "".join(
        f'<li class="item"><h2><a href="/n/s{s}-{r * 3 + i}">Story {r * 3 + i} of source {s}</a></h2>'
        f'<time datetime="2026-{1 + (r * 3 + i) // 28 % 12:02d}-{1 + (r * 3 + i) % 28:02d}">x</time>'
        f'<p>Summary of story {r * 3 + i}, long enough to be a summary.</p></li>'
        for i in range(20))
    open(f"pages/{s}.html", "w").write(f"<html><body><h1>Tag: S{s}</h1><ul>{items}</ul></body></html>")
PY
}
check() { # KILL#: feeds parse, store sound
  python3 - "$1" <<'PY'
import glob, json, sqlite3, sys, xml.etree.ElementTree as ET
bad = []
for p in glob.glob("feeds/*"):
    try:
        if p.endswith(".json"):
            json.load(open(p))
        elif p.endswith(".xml") or p.endswith(".opml"):
            ET.parse(p)
    except Exception as e:
        bad.append(f"{p}: {e}")
ok = sqlite3.connect("tagfeed.db").execute("PRAGMA integrity_check").fetchone()[0]
if ok != "ok":
    bad.append(f"integrity_check: {ok}")
if bad:
    print(f"kill {sys.argv[1]}: " + "; ".join(bad[:5]))
    sys.exit(1)
PY
}

pages 0
start=$(date +%s.%N)
"$tf" -q run -c tagfeed.toml
whole=$(echo "$(date +%s.%N) - $start" | bc)
echo "one whole run: ${whole} s; killing $kills runs at random moments"
damaged=0; reruns_failed=0
for k in $(seq 1 "$kills"); do
  pages "$k"
  "$tf" -q run -c tagfeed.toml 2>/dev/null &
  pid=$!
  sleep "$(python3 -c "import random; print(round(random.uniform(0, $whole), 3))")"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  check "$k" || damaged=$((damaged + 1))
  "$tf" -q run -c tagfeed.toml 2>/dev/null || reruns_failed=$((reruns_failed + 1))
done
echo "kills: $kills   damaged after a kill: $damaged   failed reruns: $reruns_failed"
[ "$damaged" -eq 0 ] && [ "$reruns_failed" -eq 0 ]
