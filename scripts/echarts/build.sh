#!/usr/bin/env bash
# Rebuild src/cxlens/web/static/echarts.min.js.gz (served decompressed or as gzip by web/app.py): Apache ECharts 6.1.0 with only what the pages draw (line, bar
# and custom series; grid, tooltip, legend with scrolling, aria, title; canvas renderer), 0.6 MB instead of the
# 1.1 MB full build. Needs node + npm (the npm registry); nothing is fetched at run time.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/entry.js" "$work/"
cd "$work"
npm init -y >/dev/null
npm install --silent echarts@6.1.0 esbuild@0 >/dev/null
npx esbuild entry.js --bundle --minify --format=iife --legal-comments=none \
    --outfile="$work/echarts.min.js"
gzip -9 -n -c "$work/echarts.min.js" > "$here/../../src/cxlens/web/static/echarts.min.js.gz"
