#!/bin/sh
# Makes graph_model.png (pretrainedResnet.h5 run on two synthetic 32x32 images: the layer list
# and conv2d_3's channels) and relevance_view.png (its LRP explanation, EpsilonGammaBox).
# Run from the repository root after building; needs ../shared/real/keras, xvfb-run, ImageMagick.
set -e
export QT_QPA_PLATFORM=xcb LIBGL_ALWAYS_SOFTWARE=1
M=../shared/real/keras/pretrainedResnet.h5
T=/tmp/scalpel_graph_shots
mkdir -p $T
/usr/bin/python3 - <<'PY'
import numpy as np
y, x = np.mgrid[0:32, 0:32] / 31.0
imgs = []
for k in range(2):  # smooth colour ramps with a disc: something with edges for the convolutions
    disc = ((x - 0.5 - 0.2 * k) ** 2 + (y - 0.5) ** 2) < 0.08
    imgs.append(np.stack([0.3 + 0.5 * x, 0.2 + 0.6 * y * (1 - k), 0.8 * disc + 0.1], -1))
np.save("/tmp/scalpel_graph_shots/images.npy", np.array(imgs, dtype=np.float32))
PY
build/bin/scalpel run --model $M --inputs $T/images.npy --sites all --out $T/dump.h5
build/bin/scalpel explain --model $M --inputs $T/images.npy --target pred --rule EpsilonGammaBox --low 0 --high 1 --out $T/lrp.h5
xvfb-run -a -s "-screen 0 1600x1000x24" sh -c "build/bin/scalpel $T/dump.h5 & sleep 7; xdotool mousemove 560 540 click 1; sleep 1; xdotool mousemove 1100 420; sleep 1.5; import -window root $T/a.png; kill \$!"
xvfb-run -a -s "-screen 0 1600x1000x24" sh -c "build/bin/scalpel $T/lrp.h5 & sleep 7; xdotool mousemove 1100 400; sleep 1.5; import -window root $T/b.png; kill \$!"
convert $T/a.png -crop 1400x900+0+0 -colors 256 PNG8:docs/screenshots/graph_model.png
convert $T/b.png -crop 1400x900+0+0 -colors 256 PNG8:docs/screenshots/relevance_view.png
