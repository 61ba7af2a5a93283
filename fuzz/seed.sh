#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the project's test data and ../shared/corpus (when there).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
shared=${SHARED_CORPUS:-$repo/../shared/corpus}
c=$here/corpus
mkdir -p "$c"/{text_listing,date,html_listing,external_feed,config}
cp "$repo"/tests/fixtures/listings/*.txt "$repo"/config/samples/*.txt "$c/text_listing/" 2>/dev/null || true
cp "$repo"/tests/fixtures/listings/*.html "$c/html_listing/" 2>/dev/null || true
cp "$repo"/tests/fixtures/feeds/* "$c/external_feed/" 2>/dev/null || true
cp "$repo"/config/tagfeed.toml "$c/config/"
if [ -d "$shared" ]; then
  for f in "$shared"/listings/*.html; do cp "$f" "$c/html_listing/"; done
  find "$shared/feeds" -type f -size -200k | head -400 | while read -r f; do
    cp "$f" "$c/external_feed/$(echo "$f" | md5sum | cut -c1-12)"
  done || true
  # Every hand-checked date text of the listings, one file each.
  python3 - "$shared/listings" "$c/date" <<'PY'
import glob, json, hashlib, os, sys
seen = set()
for p in glob.glob(os.path.join(sys.argv[1], "*.expected-items.json")):
    try:
        items = json.load(open(p)).get("items", [])
    except Exception:
        continue
    for it in items:
        d = it.get("date")
        if isinstance(d, str) and d not in seen:
            seen.add(d)
            open(os.path.join(sys.argv[2], hashlib.md5(d.encode()).hexdigest()[:12]), "w").write(d)
PY
fi
for t in text_listing date html_listing external_feed config; do
  echo "$t: $(ls "$c/$t" | wc -l) seeds"
done
