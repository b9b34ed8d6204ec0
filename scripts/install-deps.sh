#!/usr/bin/env bash
# Installs the Debian 12 packages Scalpel needs to build, run and test, skipping any already
# present (so it is fast and offline-safe on a prepared machine). `--dev` adds what the fixture
# generators, benchmarks and fuzzing need (PyTorch, NumPy, h5py, clang).
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev libqt6opengl6-dev libqt6svg6-dev qt6-base-dev-tools libgl-dev libgl1-mesa-dri
  libimgui-dev libstb-dev libeigen3-dev libhdf5-dev nlohmann-json3-dev zlib1g-dev libomp-dev libopenblas-dev
  libonnx-dev libprotobuf-dev
  xvfb xauth
)
if [ "${1:-}" = "--dev" ]; then
  packages+=(python3-torch python3-numpy python3-h5py python3-onnx python3-regex clang libclang-rt-14-dev imagemagick)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
