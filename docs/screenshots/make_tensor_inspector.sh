#!/bin/sh
# Regenerates docs/screenshots/tensor_inspector.png (needs xvfb-run and ImageMagick):
#   xvfb-run -a -s "-screen 0 1600x1000x24" docs/screenshots/make_tensor_inspector.sh build/bin/scalpel
# --select/--hover are hidden workbench options for captures: they pick a tensor once the
# file is open and move the mouse over a heatmap cell so its tooltip shows.
set -e
exe=${1:-build/bin/scalpel}
here=$(dirname "$0")
/usr/bin/python3 "$here/make_demo_checkpoint.py"
QT_QPA_PLATFORM=xcb "$exe" /tmp/toy_gpt.safetensors --select h.0.attn.c_attn.weight --hover 22,40 &
pid=$!
sleep 6
import -window root "$here/tensor_inspector.png"
kill $pid
