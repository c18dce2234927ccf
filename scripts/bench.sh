#!/usr/bin/env bash
# Benchmarks (make bench) on the demo lab, which is started if it is not up.
# Usage: scripts/bench.sh [LAB_NAME]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
NAME=${1:-demo}
cd "$ROOT"
"$ROOT/lab/koor-lab" up --name "$NAME" >/dev/null
for bench in bench/bench_*.py; do
    "$ROOT/.venv/bin/python" "$bench" "$NAME"
done
