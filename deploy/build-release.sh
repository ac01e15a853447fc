#!/usr/bin/env bash
# Builds a self-contained Switchboard release into DIR (the Dockerfile runs exactly this):
# compiled JavaScript, production node_modules only (no tsx, TypeScript or tests), the static
# files (demo page, dashboard, SDK bundle) and DIR/bin/switchboard, whose first argument picks
# the process: switchboard edge|api|presence|all-in-one. Run it from a source tree; it installs
# the dev dependencies first when node_modules is missing (a fresh clone, the image's build stage).
#   deploy/build-release.sh /opt/switchboard && NODE_ENV=production /opt/switchboard/bin/switchboard edge
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
mkdir -p "$1"
dir=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
if [ -n "$(ls -A "$dir")" ]; then
  echo "$0: $dir is not empty" >&2
  exit 2
fi

# npm install (it follows package-lock.json): `npm ci` refuses a registry that lacks one of the
# lockfile's optional platform packages (see .ci/run).
[ -d node_modules ] || npm install --no-audit --no-fund --prefer-offline
# The JavaScript only (SDK bundle, the compiled command): `npm run build` is that plus the
# type check, which CI runs on the same commit.
npm run compile
node deploy/assemble-release.mjs "$dir"
echo "release: $dir ($(du -sh "$dir" | cut -f1)); start with $dir/bin/switchboard edge|api|presence|all-in-one" >&2
