#!/usr/bin/env bash
# Installs Debian's chromium for the report.html rendering test (tests/eval/report_render.sh): headless
# Chromium loads deploy's report.html with networking disabled and the test checks it renders without errors.
# Not needed to build or use qdeploy.
set -euo pipefail
if command -v chromium >/dev/null; then
  echo "setup_report_test: chromium already installed"
  exit 0
fi
sudo_cmd=""
[[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "setup_report_test: installed $(chromium --version)"
