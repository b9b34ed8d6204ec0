#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root, or with sudo available):
#   bash scripts/bootstrap.sh run    install what is missing, build, open the workbench on the
#                                    bundled demo (headless summary when there is no display)
#   bash scripts/bootstrap.sh test   install what is missing, build, run the whole test suite
#   bash scripts/bootstrap.sh build  install what is missing and build only
# Environment: BUILD_DIR (default build), SCALPEL_JOBS (default: all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
build_dir=${BUILD_DIR:-build}
jobs=${SCALPEL_JOBS:-$(nproc)}

bash scripts/install-deps.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j "$jobs"

case "$mode" in
  build) ;;
  run)
    demo=resources/demo/demo_mlp.safetensors
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      exec "$build_dir/bin/scalpel" "$demo"
    else
      echo "No display: printing the headless summary of the demo workspace." >&2
      exec "$build_dir/bin/scalpel" inspect --stats "$demo"
    fi ;;
  test)
    # --output-on-failure shows a failing test's log; the summary line closes the output.
    ctest --test-dir "$build_dir" -j "$jobs" --output-on-failure --timeout 600 ;;
  *) echo "usage: bash scripts/bootstrap.sh run|test|build" >&2; exit 2 ;;
esac
