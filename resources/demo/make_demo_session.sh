#!/usr/bin/env bash
# Regenerates the demo session's result files and resources/demo/ioi.scalpel (run from the repo
# root after a build). The session opens the model's weights, the activations of one IOI prompt
# and relevance patching on the 32 held-out prompt pairs, with a few selections made.
# HDF5 files carry creation times, so rerunning changes their hashes: commit all three together.
set -euo pipefail
bin=${1:-build/bin/scalpel}
demo=resources/demo
"$bin" run --model "$demo/ioi-gpt2" --out "$demo/results/ioi_activations.h5" \
  --sites 'blocks.*.hook_resid_pre' 'blocks.*.hook_attn_out' 'blocks.*.hook_mlp_out' 'blocks.*.hook_resid_post' \
  --last-logits --text "When Mary and John went to the store, John gave a drink to"
"$bin" patch --model "$demo/ioi-gpt2" --prompts "$demo/ioi_prompts.jsonl" \
  --method ap,atp,relp,ig --components resid_pre,attn_out,mlp_out,head,head_pos --out "$demo/results/ioi_patching.h5"
/usr/bin/python3 "$demo/write_demo_session.py"
