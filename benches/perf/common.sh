# Shared by the bench scripts (sourced, not run): messages, tools installed into
# target/bench-tools, and the tagfeed binary under test. Expects $repo and $tools.

say() { echo "== $*" >&2; }

# tool NAME [NOTE]: installs the crate NAME into $tools unless its binary is there; prints its path.
tool() {
  if [ ! -x "$tools/bin/$1" ]; then
    say "installing $1 into $tools${2:+ ($2)}"
    nice -n 10 cargo install "$1" --locked --root "$tools" >&2
  fi
  echo "$tools/bin/$1"
}

# tagfeed_bin: $TAGFEED_BIN when set, else a fresh release build of this checkout; prints its path.
tagfeed_bin() {
  if [ -n "${TAGFEED_BIN:-}" ]; then
    realpath "$TAGFEED_BIN"
  else
    say "cargo build --release"
    (cd "$repo" && nice -n 10 cargo build --release >&2)
    echo "$repo/target/release/tagfeed"
  fi
}
