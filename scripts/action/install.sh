#!/usr/bin/env bash
# action.yml, step 1: install iceprobe from npm into the runner's temp directory (not the
# user's project), and coturn when the embedded default will run. GitHub's Ubuntu runners
# have Google Chrome, which iceprobe finds by itself; elsewhere Playwright's Chromium is fetched.
set -euo pipefail
dir="${RUNNER_TEMP:-/tmp}/iceprobe-action"
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "iceprobe@${INPUT_VERSION:-latest}"
echo "ICEPROBE_BIN=$dir/node_modules/.bin/iceprobe" >> "${GITHUB_ENV:-/dev/null}"
if [ -z "${INPUT_CONFIG:-}" ] && [ -z "${INPUT_URLS:-}" ] && ! command -v turnserver >/dev/null; then
  sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends coturn
fi
if ! command -v google-chrome >/dev/null && ! command -v chromium >/dev/null && ! [ -x /usr/lib/chromium/chromium ]; then
  (cd "$dir" && npx --no-install playwright-core install --with-deps chromium)
fi
