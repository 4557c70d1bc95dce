#!/usr/bin/env bash
# Installs what fuzz/run.sh needs beyond scripts/setup.sh: Debian's clang 14 with its compiler-rt
# (libFuzzer, ASan, UBSan runtimes) and llvm-symbolizer for readable stack traces.
# Usage: scripts/setup_fuzz.sh
set -euo pipefail

packages=(clang libclang-rt-14-dev llvm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup_fuzz: installing ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
