#!/usr/bin/env bash
# Times tests/speed.rs in four builds, side by side: plain debug, debug with
# goweave optimised (the README's lines), debug with every dependency
# optimised, and release. Usage: ./run.sh [executions per workload]
set -euo pipefail
cd "$(dirname "$0")"
export N="${1:-100}"
build() { # name, cargo args...
  local name=$1; shift
  CARGO_TARGET_DIR="target/$name" cargo test --no-run -q "$@" 2>/dev/null
  local bin
  bin=$(ls -t target/"$name"/*/deps/speed-* | grep -v '\.d$' | head -1)
  echo "== $name"
  "$bin" --test-threads=1 --nocapture 2>&1 | grep RESULT
}
build debug
build goweave-optimised --config 'profile.dev.package.goweave-runtime.opt-level=3' \
  --config 'profile.dev.package.goweave-checkers.opt-level=3'
build dependencies-optimised --config 'profile.dev.package."*".opt-level=3'
build release --release
