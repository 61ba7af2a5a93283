#!/usr/bin/env bash
# `tagfeed serve` against nginx on the same feed folder, loaded with oha (keep-alive, 32
# connections, DURATION per case, the two servers alternating case by case). See README.md.
#
# usage: benches/perf/serve.sh [N=1000] [DURATION=5s]
#   TAGFEED_BIN=path  measure that binary instead of building target/release/tagfeed
#   WORDS=278         summary words per item (278 gives RSS feeds of ~57 KB)
#   NGINX_GZIP_LEVEL=6  nginx compresses every gzip response at this level (tagfeed caches its own)
# Both servers listen on 127.0.0.1 only, run under `timeout`, and are killed on exit.
# nginx: its own config in the work folder (not /etc), daemon off, 2 workers, sendfile, etag on
# (the default), gzip level 6 (tagfeed's) for the feed types, keepalive_requests raised so oha's
# connections stay open. Cases: 200 on the first source's RSS, 200 on the last (listed after
# N-1 sources), 304 on the first and the last (If-None-Match with the ETag that server gave),
# gzip 200 on the first (Accept-Encoding: gzip). The 200s and 304s ask for the identity encoding.
# oha shares the 2 cores with the server under test; run it on an otherwise idle machine.
set -euo pipefail
n=${1:-1000}; duration=${2:-5s}; words=${WORDS:-278}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tools=$repo/target/bench-tools
mkdir -p "$tools/work" "$tools/perf-results"
work=$(mktemp -d "$tools/work/serve.XXXXXX")
chmod 755 "$work"          # nginx's workers (user nobody) read the feeds
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
. "$here/common.sh"

oha=$(tool oha "a long build")
if ! command -v nginx >/dev/null; then
  say "installing nginx"
  apt-get install -y nginx >/dev/null
fi
nginx_bin=$(command -v nginx)
tf=$(tagfeed_bin)

say "generating $n pages, building their feeds"
python3 "$here/gen.py" "$n" "$work/data" --words "$words"
"$tf" -q run -c "$work/data/tagfeed.toml"
chmod -R a+rX "$work/data/feeds"
first=s0.rss.xml; last=s$((n - 1)).rss.xml
say "feed sizes: $first $(stat -c %s "$work/data/feeds/$first") B, $last $(stat -c %s "$work/data/feeds/$last") B"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { # URL
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "server at $1 did not come up" >&2; return 1
}

# tagfeed serve (port 0: it prints the one it got)
timeout 900 "$tf" serve -c "$work/data/tagfeed.toml" --listen 127.0.0.1:0 --no-schedule >"$work/tagfeed-serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q 'listening on' "$work/tagfeed-serve.log" && break; sleep 0.1; done
tport=$(grep -o '127\.0\.0\.1:[0-9]*' "$work/tagfeed-serve.log" | head -1 | cut -d: -f2)
[ -n "$tport" ] || { cat "$work/tagfeed-serve.log" >&2; exit 1; }

# nginx, its own prefix and config
nport=$(free_port)
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  etag on;
  gzip on;
  gzip_comp_level ${NGINX_GZIP_LEVEL:-6};
  gzip_vary on;
  gzip_types text/xml application/xml application/rss+xml application/atom+xml application/json application/feed+json;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$nport;
    root $work/data/feeds;
  }
}
CONF
timeout 900 "$nginx_bin" -c "$work/nginx/nginx.conf" -p "$work/nginx" -e "$work/nginx/logs/error.log" &
pids+=($!)

wait_up "http://127.0.0.1:$tport/$first"
wait_up "http://127.0.0.1:$nport/$first"

etag() { curl -fsS -H 'Accept-Encoding: identity' -D - -o /dev/null "$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}'; }
results=$work/results; : >"$results"
compiling() {
  local p; for p in rustc cargo cargo-clippy clippy-driver cc1 cc1plus ld; do pgrep -x "$p" >/dev/null && return 0; done; return 1
}
busy=()
load() { # SERVER CASE URL HEADER...
  local server=$1 case=$2 url=$3; shift 3
  local args=(-z "$duration" -c 32 --no-tui --output-format json)
  for h in "$@"; do args+=(-H "$h"); done
  echo "$server $case $(nice -n 10 "$oha" "${args[@]}" "$url" | tr -d '\n')" >>"$results"
}
# oha sends "Accept-Encoding: gzip, compress, deflate, br" unless told otherwise: every case names
# its encoding (-H replaces oha's default), so the 200s and 304s are of the identity body.
for case in 200-first 200-last 304-first 304-last gzip-first; do
  for server in tagfeed nginx; do
    if [ "$server" = tagfeed ]; then port=$tport; else port=$nport; fi
    file=$first; [[ $case == *last ]] && file=$last
    url=http://127.0.0.1:$port/$file
    hdrs=("Accept-Encoding: identity")
    case $case in
      304-*) hdrs+=("If-None-Match: $(etag "$url")") ;;
      gzip-*) hdrs=("Accept-Encoding: gzip") ;;
    esac
    say "$server $case"
    compiling && busy+=("$server/$case")
    load "$server" "$case" "$url" "${hdrs[@]}"
    compiling && busy+=("$server/$case")
  done
done

out=$tools/perf-results/serve-$(date +%Y%m%d-%H%M%S)-n$n.txt
python3 - "$results" "$n" "$duration" "$(stat -c %s "$work/data/feeds/$first")" "$("$nginx_bin" -v 2>&1 | cut -d/ -f2)" <<'PY' | tee "$out"
import json, sys
path, n, duration, size, nginx_version = sys.argv[1:]
res = {}
for line in open(path):
    server, case, js = line.split(" ", 2)
    res[(server, case)] = json.loads(js)
def get(server, case):
    r = res[(server, case)]
    codes = r.get("statusCodeDistribution", {})
    return (r["summary"]["requestsPerSec"], r["latencyPercentiles"]["p99"] * 1000,
            ",".join(f"{k}x{v}" for k, v in sorted(codes.items())), r["summary"].get("successRate", 0))
print(f"serve: {n} sources, RSS feed {int(size) / 1000:.1f} KB, oha keep-alive 32 connections {duration} per case; nginx {nginx_version}")
hdr = f"{'case':11} {'tagfeed req/s':>13} {'p99 ms':>7} {'nginx req/s':>12} {'p99 ms':>7} {'req/s ratio':>11}  status codes (tagfeed | nginx)"
print(hdr); print("-" * len(hdr))
for case in ["200-first", "200-last", "304-first", "304-last", "gzip-first"]:
    t, g = get("tagfeed", case), get("nginx", case)
    print(f"{case:11} {t[0]:13.0f} {t[1]:7.2f} {g[0]:12.0f} {g[1]:7.2f} {t[0] / g[0]:11.3f}  {t[2]} | {g[2]}")
PY
[ ${#busy[@]} = 0 ] || echo "WARNING: another build ran during ${busy[*]}: those figures are skewed" | tee -a "$out"
cp "$results" "${out%.txt}.raw"
say "saved $out"
