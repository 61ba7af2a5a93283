#!/usr/bin/env bash
# Compares two tagfeed binaries on the same generated listing pages: instruction counts (valgrind
# callgrind: deterministic, whatever else the machine does) of a cold run (fresh store) and of a
# rerun that changes nothing. Not part of CI.
#
# usage: benches/compare.sh OLD_BIN NEW_BIN [PAGES]   (default 50 pages of 20 entries, ~60 KB each)
# e.g.:  git worktree add /tmp/prev HEAD~1 && (cd /tmp/prev && cargo build --release)
#        cargo build --release && benches/compare.sh /tmp/prev/target/release/tagfeed target/release/tagfeed
set -euo pipefail
old=$1; new=$2; pages=${3:-50}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$(dirname "$0")/gen_pages.py" "$pages" "$work/data"
count() { # BIN DIR -> instructions of one `tagfeed -q run`
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" -q run -c "$2/tagfeed.toml" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-6s %16s %16s\n' run old new
for label in old new; do cp -r "$work/data" "$work/$label"; done
for kind in cold rerun; do
  o=$(count "$old" "$work/old"); n=$(count "$new" "$work/new")
  printf '%-6s %16s %16s  %+.1f %%\n' "$kind" "$o" "$n" "$(echo "($n - $o) * 100 / $o" | bc -l)"
done
