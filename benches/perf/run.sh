#!/usr/bin/env bash
# The issue-10 bench: the same generated listing pages built by tagfeed and by rsspls, interleaved
# rounds, medians and ratios. See benches/perf/README.md.
#
# usage: benches/perf/run.sh [N=1000] [ROUNDS=5]
#   TAGFEED_BIN=path  measure that binary instead of building target/release/tagfeed
#   KEEP=1            keep the work folder (target/bench-tools/work/run.*) for inspection
#   CHECK_SIZES="1000 2000 5000"  config sizes for the `tagfeed check` rows
# Each round: (a) tagfeed cold (fresh copy: no store, no feeds), (b) rsspls on the same pages,
# (c) tagfeed rerun with nothing changed, (d) rerun after one page got a new entry, (e) the
# parse-only floor, (f) `tagfeed check` on configs of CHECK_SIZES url sources (load + validate:
# check fetches and reads nothing for url sources). Then one extra, untimed round under strace
# counts fsync/fdatasync calls. The table is also saved in target/bench-tools/perf-results/.
set -euo pipefail
n=${1:-1000}; rounds=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tools=$repo/target/bench-tools
check_sizes=${CHECK_SIZES:-"1000 2000 5000"}
mkdir -p "$tools/work" "$tools/perf-results"
work=$(mktemp -d "$tools/work/run.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
. "$here/common.sh"

# --- tools (one build at a time, niced) ---
rsspls=$(tool rsspls)
tf=$(tagfeed_bin)
say "parse floor (benches/perf/floor)"
(cd "$here/floor" && CARGO_TARGET_DIR=$tools/floor-target nice -n 10 cargo build --release --locked -q)
floor=$tools/floor-target/release/tagfeed-parse-floor
if ! command -v strace >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y strace >/dev/null || true
  fi
fi

# --- data ---
say "generating $n pages and configs in $work"
python3 "$here/gen.py" "$n" "$work/data"
for c in $check_sizes; do python3 "$here/gen.py" "$c" "$work/check$c" --url-sources; done
results=$work/results; log=$work/log; : >"$results"
export XDG_CACHE_HOME=$work/xdg XDG_CONFIG_HOME=$work/xdg   # rsspls's cache and config dirs
m() { # LABEL ROUND [measure.py options] -- CMD...
  local label=$1 round=$2; shift 2
  echo "$label $round $(nice -n 10 python3 "$here/measure.py" --log "$log" "$@")" >>"$results"
}
fresh() { rm -rf "$work/r"; mkdir "$work/r"; cp -r "$work/data/pages" "$work/data/tagfeed.toml" "$work/r/"; }
changed_page=$(( n / 2 ))
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
busy=()   # rounds during which a compiler (another build) was seen running
cpu_busy() { awk -v hz="$(getconf CLK_TCK)" '/^cpu /{printf "%.2f", ($2+$3+$4+$7+$8+$9)/hz}' /proc/stat; }
compiling() {
  local p; for p in rustc cargo cargo-clippy clippy-driver cc1 cc1plus ld; do pgrep -x "$p" >/dev/null && return 0; done; return 1
}

for r in $(seq 1 "$rounds"); do
  say "round $r/$rounds"
  compiling_before=0; compiling && compiling_before=1
  busy_start=$(cpu_busy)
  fresh; sync
  m cold "$r" --watch "$work/r/feeds" --watch "$work/r/state" -- "$tf" -q run -c "$work/r/tagfeed.toml"
  rm -rf "$work/rsspls-out"; sync
  m rsspls "$r" --watch "$work/rsspls-out" -- "$rsspls" -c "$work/data/rsspls.toml" -o "$work/rsspls-out"
  sync
  m nochange "$r" --watch "$work/r/feeds" --watch "$work/r/state" -- "$tf" -q run -c "$work/r/tagfeed.toml"
  python3 "$here/gen.py" --bump "$work/r/pages/p$changed_page.html"; sync
  m onechange "$r" --watch "$work/r/feeds" --watch "$work/r/state" -- "$tf" -q run -c "$work/r/tagfeed.toml"
  m floor "$r" -- "$floor" "$work/data/pages"
  for c in $check_sizes; do m "check$c" "$r" -- "$tf" -q check -c "$work/check$c/tagfeed.toml"; done
  echo "busy $r $busy_start $(cpu_busy)" >>"$results"
  if [ $compiling_before = 1 ] || compiling; then busy+=("$r"); say "WARNING: a compiler was running during round $r"; fi
done

# sanity: every run built every feed
[ "$(ls "$work/r/feeds" | grep -c '\.rss\.xml$')" = "$n" ] || say "WARNING: tagfeed wrote $(ls "$work/r/feeds" | grep -c '\.rss\.xml$') RSS feeds, expected $n"
[ "$(ls "$work/rsspls-out" | wc -l)" = "$n" ] || say "WARNING: rsspls wrote $(ls "$work/rsspls-out" | wc -l) feeds, expected $n"

# --- fsyncs: one extra round under strace (its times are not used) ---
if command -v strace >/dev/null; then
  say "fsync round (strace)"
  count_fsyncs() { # LABEL CMD...
    local label=$1; shift
    strace -f -c -o "$work/strace.$label" -e trace=fsync,fdatasync "$@" >>"$log" 2>&1 || true
    echo "fsync $label $(awk '$NF=="fsync"||$NF=="fdatasync"{s+=$4} END{print s+0}' "$work/strace.$label")" >>"$results"
  }
  fresh
  count_fsyncs cold "$tf" -q run -c "$work/r/tagfeed.toml"
  rm -rf "$work/rsspls-out"
  count_fsyncs rsspls "$rsspls" -c "$work/data/rsspls.toml" -o "$work/rsspls-out"
  count_fsyncs nochange "$tf" -q run -c "$work/r/tagfeed.toml"
  python3 "$here/gen.py" --bump "$work/r/pages/p$changed_page.html"
  count_fsyncs onechange "$tf" -q run -c "$work/r/tagfeed.toml"
else
  say "strace not available: no fsync counts"
fi

out=$tools/perf-results/run-$(date +%Y%m%d-%H%M%S)-n$n.txt
{
  if [ -n "${TAGFEED_BIN:-}" ]; then built="binary $tf"; else
    built="$(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' + uncommitted changes')"; fi
  echo "tagfeed $("$tf" --version 2>/dev/null | awk '{print $2}') ($built), rsspls $("$rsspls" --version | awk '{print $3}'), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
  [ ${#busy[@]} = 0 ] || echo "WARNING: another build ran during round(s) ${busy[*]}: those figures are skewed"
  echo "load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the figures)"
  python3 "$here/report.py" "$results" "$n" "$rounds"
} | tee "$out"
cp "$results" "${out%.txt}.raw"
say "saved $out"
