#!/bin/sh
# Makes activation_view.png (scalpel run's dump of the IOI demo, a cell hovered) and
# patching_view.png (scalpel patch on the 32 demo prompt pairs, the S2 position of layer 2 pinned).
# Run from the repository root after building; needs xvfb-run and ImageMagick.
set -e
export QT_QPA_PLATFORM=xcb LIBGL_ALWAYS_SOFTWARE=1
D=resources/demo/ioi-gpt2
mkdir -p /tmp/scalpel_demo
build/bin/scalpel run --model $D --out /tmp/scalpel_demo/ioi_activations.h5 \
  --text "When Mary and John went to the store, John gave a drink to"
build/bin/scalpel patch --model $D --prompts resources/demo/ioi_prompts.jsonl --method ap,atp,relp,ig \
  --components resid_pre,attn_out,mlp_out,head,head_pos --out /tmp/scalpel_demo/ioi_patching.h5 2>/dev/null
shot() {  # shot OUT.png ARGS...
  out=$1; shift
  xvfb-run -a -s "-screen 0 1600x1000x24" sh -c "build/bin/scalpel $* & sleep 8; import -window root /tmp/scalpel_shot.png; kill \$!"
  convert /tmp/scalpel_shot.png -colors 256 PNG8:"$out"
}
shot docs/screenshots/activation_view.png /tmp/scalpel_demo/ioi_activations.h5 --select logits --hover 2,6
shot docs/screenshots/patching_view.png /tmp/scalpel_demo/ioi_patching.h5 --select results/ld_clean --hover 2,12
