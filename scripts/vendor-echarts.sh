#!/usr/bin/env bash
# Refresh the console's copy of Apache ECharts from the npm registry: dist/echarts.min.js and
# its LICENSE/NOTICE into api/web/console/vendor/ (committed, so that builds and CI need no
# network). Run by hand when upgrading: scripts/vendor-echarts.sh [VERSION]
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-6.1.0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "echarts@${version}" >/dev/null 2>&1 && tar xzf echarts-*.tgz)
out=api/web/console/vendor
mkdir -p "$out"
cp "$work/package/dist/echarts.min.js" "$out/echarts.min.js"
cp "$work/package/LICENSE" "$out/ECHARTS-LICENSE"
[ -f "$work/package/NOTICE" ] && cp "$work/package/NOTICE" "$out/ECHARTS-NOTICE"
echo "echarts ${version}: $(wc -c < "$out/echarts.min.js") bytes in $out"
