#!/usr/bin/env bash
# Installs the Debian packages the project builds, tests and benchmarks with, but only the missing
# ones, so that a bare Debian 12 machine needs nothing by hand and a prepared one pays ~50 ms.
# Usage: scripts/install-deps.sh [build|bench|format]   (default: build)
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev
  libssl-dev libgtest-dev curl python3)
bench_pkgs=(wrk)
format_pkgs=(clang-format git)

case "${1:-build}" in
  build) want=("${build_pkgs[@]}") ;;
  bench) want=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
  format) want=("${format_pkgs[@]}") ;;
  *) echo "usage: $0 [build|bench|format]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
