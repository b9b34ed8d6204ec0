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
    # The IOI demo: a small GPT-2 trained by resources/demo/train_ioi.py. Its activations on one
    # prompt and relevance patching on 32 held-out prompt pairs, then the workbench on the demo session.
    demo=resources/demo/ioi-gpt2
    out="$build_dir/demo"
    mkdir -p "$out"
    "$build_dir/bin/scalpel" run --model "$demo" --out "$out/ioi_activations.h5" \
      --text "When Mary and John went to the store, John gave a drink to"
    "$build_dir/bin/scalpel" patch --model "$demo" --prompts resources/demo/ioi_prompts.jsonl \
      --method ap,atp,relp,ig --components resid_pre,attn_out,mlp_out,head,head_pos --out "$out/ioi_patching.h5"
    # The demo session (resources/demo/ioi.scalpel) holds the same kind of results, saved with
    # view settings and selections: the workbench opens it; without a display, its report.
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      exec "$build_dir/bin/scalpel" resources/demo/ioi.scalpel
    else
      "$build_dir/bin/scalpel" report --session resources/demo/ioi.scalpel --out "$out/report.html"
      echo "No display: the tables above are the headless output; the demo session's report is $out/report.html (and report.pdf: scalpel report --out FILE.pdf)." >&2
    fi ;;
  test)
    # --output-on-failure shows a failing test's log; the summary line closes the output.
    ctest --test-dir "$build_dir" -j "$jobs" --output-on-failure --timeout 600 ;;
  *) echo "usage: bash scripts/bootstrap.sh run|test|build" >&2; exit 2 ;;
esac
