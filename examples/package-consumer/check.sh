#!/usr/bin/env bash
# The library as a package: `npm pack`, install the tarball into a copy of this example app,
# type-check the app against the package's declarations, synthesize it, and check the output.
# Offline: the app's other dependencies are linked from the repository's node_modules.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$repo"
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "packed $tarball"

app="$work/app"
mkdir -p "$app/node_modules/cdktf-clickhouse-ingest"
cp "$repo/examples/package-consumer/"{main.js,package.json,cdktf.json} "$app/"
tar -xzf "$work/$tarball" -C "$app/node_modules/cdktf-clickhouse-ingest" --strip-components=1
for entry in "$repo"/node_modules/* "$repo"/node_modules/@*/; do
  name="${entry%/}"; name="${name#"$repo"/node_modules/}"
  case "$name" in .bin|cdktf-clickhouse-ingest) continue ;; esac
  [ -e "$app/node_modules/$name" ] || ln -s "$repo/node_modules/$name" "$app/node_modules/$name"
done

cd "$app"
main="$(node -p "require('cdktf-clickhouse-ingest/package.json').main")"
[ -f "node_modules/cdktf-clickhouse-ingest/$main" ] || { echo "FAIL: the tarball has no $main (package.json main)"; tar -tzf "$work/$tarball"; exit 1; }
"$repo/node_modules/.bin/tsc" --noEmit --allowJs --checkJs --strict --module commonjs --target es2022 --moduleResolution node \
  --skipLibCheck --types node main.js
node main.js
for f in cdktf.out/stacks/acme/cdk.tf.json cdktf.out/stacks/acme/artifacts/topology.md \
  cdktf.out/stacks/acme/artifacts/sql/small/0004_orders_ws_mv.sql cdktf.out/stacks/acme/artifacts/helm/ingestion-small.values.yaml; do
  [ -s "$f" ] || { echo "FAIL: $f missing"; find cdktf.out -type f | head -50; exit 1; }
done
# The Helm chart shipped in the package is what the ingestion releases point at.
grep -q '"chart": "assets/StatelessChiChart/' cdktf.out/stacks/acme/cdk.tf.json || { echo "FAIL: helm_release chart is not the packaged chart asset"; exit 1; }
[ -f "$(find cdktf.out/stacks/acme/assets/StatelessChiChart -name Chart.yaml | head -1)" ] || { echo "FAIL: chart asset missing"; exit 1; }
echo "package-consumer: OK ($(find cdktf.out/stacks/acme -type f | wc -l) files synthesized from the packed library)"
