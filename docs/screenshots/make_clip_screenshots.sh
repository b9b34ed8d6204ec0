#!/bin/sh
# Makes clip_view.png (the CLIP view with row 20 hovered) and clip_report.png (four report
# SVGs rendered with Qt's SVG renderer). Run from the repository root after building.
set -e
export QT_QPA_PLATFORM=xcb LIBGL_ALWAYS_SOFTWARE=1
E=tests/fixtures/clip/embeddings.npz
xvfb-run -a -s "-screen 0 1600x1000x24" sh -c "build/bin/scalpel --clip $E --hover-point 20 & sleep 12; import -window root /tmp/clip_view_raw.png; kill \$!"
convert /tmp/clip_view_raw.png -colors 256 PNG8:docs/screenshots/clip_view.png
rm -rf /tmp/clip_report && xvfb-run -a -s "-screen 0 1600x1000x24" build/bin/scalpel --clip $E --report-dir /tmp/clip_report
g++ -std=c++17 -fPIC docs/screenshots/svg2png.cpp -o /tmp/svg2png $(pkg-config --cflags --libs Qt6Svg Qt6Gui Qt6Core)
mkdir -p /tmp/clip_svgs && /usr/bin/python3 -c "
import re
h = open('/tmp/clip_report/report.html').read()
for i, s in enumerate(re.findall(r'<svg.*?</svg>', h, re.S)): open(f'/tmp/clip_svgs/f{i}.svg', 'w').write(s)"
QT_QPA_PLATFORM=offscreen /tmp/svg2png /tmp/clip_report.png /tmp/clip_svgs/f1.svg /tmp/clip_svgs/f2.svg /tmp/clip_svgs/f4.svg /tmp/clip_svgs/f5.svg
convert /tmp/clip_report.png -colors 256 PNG8:docs/screenshots/clip_report.png
