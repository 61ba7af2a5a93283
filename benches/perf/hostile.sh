#!/usr/bin/env bash
# Pages of hostile shapes, each just under 10 MB (the default max_body), read by `tagfeed run` as a
# saved listing: wall time, peak RSS and what became of the source. The goal: any shape in under
# 2 s, and the ones no listing has (deep nesting) refused with a message rather than parsed.
#
# usage: benches/perf/hostile.sh
#   TAGFEED_BIN=path  measure that binary instead of building target/release/tagfeed
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tools=$repo/target/bench-tools
mkdir -p "$tools/work" "$tools/perf-results"
work=$(mktemp -d "$tools/work/hostile.XXXXXX")
trap 'rm -rf "$work"' EXIT

. "$here/common.sh"
tf=$(tagfeed_bin)

say "generating pages"
python3 - "$work" <<'EOF'
import sys
out = sys.argv[1]
LIMIT = 10 * 1024 * 1024 - 4096
def item(i, extra=""):
    return (f'<li class="item"><h2><a href="/p/{i}">Post number {i} about something</a></h2>'
            f'<time>2024-01-{1 + i % 28:02d}</time><p>Summary of post {i}.</p>{extra}</li>')
def fill(head, unit, tail):
    n = (LIMIT - len(head) - len(tail)) // len(unit)
    return head + unit * n + tail
pages = {
    # 2 million nested <div>s around one list
    "nested-divs": lambda: (lambda n: "<html><body>" + "<div>" * n + "<ul>" + item(0) + "</ul>"
                            + "</div>" * n + "</body></html>")((LIMIT - 500) // 11),
    # nested inline elements, which the tree builder handles without a scope walk
    "nested-spans": lambda: (lambda n: "<html><body><ul>" + item(0) + "</ul>" + "<span>" * n
                             + "</span>" * n + "</body></html>")((LIMIT - 500) // 13),
    # one item with 300,000 categories
    "many-categories": lambda: "<html><body><ul>" + item(0, fill("", '<a class="cat">Cat</a>', "")) + "</ul></body></html>",
    # 60,000 ordinary items
    "flat-list": lambda: fill("<html><body><ul>", item(1), "</ul></body></html>"),
    # one item whose summary is 10 MB of text
    "huge-text": lambda: "<html><body><ul>" + item(0, "<p>" + "word " * (LIMIT // 5 - 200) + "</p>") + "</ul></body></html>",
    # unclosed formatting elements (<b><i> repeated, misnested)
    "misnested": lambda: fill("<html><body><ul>" + item(0) + "</ul>", "<b><i>x</b></i>", "</body></html>"),
    # attribute soup: one element with 500,000 attributes
    "attributes": lambda: "<html><body><ul>" + item(0).replace('<li class="item">', '<li class="item" ' + " ".join(f"a{i}=v" for i in range((LIMIT - 500) // 10)) + ">") + "</ul></body></html>",
}
for name, make in pages.items():
    with open(f"{out}/{name}.html", "w") as f:
        f.write(make())
EOF

cat >"$work/tagfeed.toml" <<EOF
[output]
dir = "feeds"
base_url = "https://feeds.example.org/"
formats = ["rss"]
EOF
printf '%-16s %8s %8s %8s  %s\n' page "MB" "wall s" "RSS MB" result
for page in "$work"/*.html; do
  name=$(basename "$page" .html)
  cfg="$work/$name.toml"
  { cat "$work/tagfeed.toml"; printf '[store]\npath = "%s.db"\n\n[[source]]\nname = "%s"\npath = "%s"\n[source.select]\nitem = "li.item"\ncategories = "a.cat"\n' "$name" "$name" "$page"; } >"$cfg"
  r=$(python3 "$here/measure.py" --log "$work/$name.err" -- "$tf" -q run -c "$cfg" || true)
  wall=$(echo "$r" | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print("%.2f %.0f" % (r["wall"], r["maxrss_kb"] / 1024))')
  result=$(grep -o 'error: .*' "$work/$name.err" | head -1 | cut -c1-90 || true)
  printf '%-16s %8.1f %8s %8s  %s\n' "$name" "$(du -m "$page" | cut -f1)" $wall "${result:-ok}"
done | tee "$tools/perf-results/hostile-$(date +%Y%m%d-%H%M%S).txt"
