#!/usr/bin/env bash
# The library as a package, the way a platform team consumes it: `npm pack`, install the tarball
# into a copy of this example app, type-check the app against the package's declarations,
# synthesize it, and run the team's snapshot test (__tests__/acme.test.js) through the exported
# helper. Twice: against the highest and the lowest versions the peer ranges allow. Then every
# ```ts block of README.md and docs/ is compiled against the installed package.
#  - highest: the repository's own node_modules (checked to be the newest each range allows when
#    the registry is reachable), linked in, so this run is offline;
#  - lowest: a real `npm install` of the tarball with each peer at its range's minimum, which is
#    also what a user one patch behind runs (an exact pin would fail with ERESOLVE).
# The snapshot run also acts out a pull request that adds a stream: the .snap file only gains lines.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
example="$repo/examples/package-consumer"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
jest="$repo/node_modules/.bin/jest"

cd "$repo"
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "packed $tarball"
peers=(@cdktf/provider-aws @cdktf/provider-helm @cdktf/provider-kubernetes cdktf constructs)
range() { node -p "require('$repo/package.json').peerDependencies['$1']"; }

new_app() { # copies the example's sources into $work/<name>
  local app="$work/$1"
  mkdir -p "$app"
  cp -r "$example/"{main.js,region.js,package.json,cdktf.json,__tests__} "$app/"
  echo "$app"
}

check_app() { # <label> <app dir>: type-check, synthesize, check the output, run the snapshot test
  local label="$1" app="$2"
  cd "$app"
  local main; main="$(node -p "require('cdktf-clickhouse-ingest/package.json').main")"
  [ -f "node_modules/cdktf-clickhouse-ingest/$main" ] || { echo "FAIL ($label): the tarball has no $main (package.json main)"; tar -tzf "$work/$tarball"; exit 1; }
  echo "[$label] $(for p in "${peers[@]}"; do printf '%s@%s ' "$p" "$(node -p "require('$p/package.json').version")"; done)"
  "$repo/node_modules/.bin/tsc" --noEmit --allowJs --checkJs --strict --module commonjs --target es2022 --moduleResolution node \
    --skipLibCheck --types node main.js region.js
  node main.js
  for f in cdktf.out/stacks/acme/cdk.tf.json cdktf.out/stacks/acme/artifacts/topology.md \
    cdktf.out/stacks/acme/artifacts/sql/small/3_orders_ws_mv.sql cdktf.out/stacks/acme/artifacts/helm/ingestion-small.values.yaml; do
    [ -s "$f" ] || { echo "FAIL ($label): $f missing"; find cdktf.out -type f | head -50; exit 1; }
  done
  # The Helm chart shipped in the package is what the ingestion releases point at.
  grep -q '"chart": "assets/StatelessChiChart/' cdktf.out/stacks/acme/cdk.tf.json || { echo "FAIL ($label): helm_release chart is not the packaged chart asset"; exit 1; }
  [ -f "$(find cdktf.out/stacks/acme/assets/StatelessChiChart -name Chart.yaml | head -1)" ] || { echo "FAIL ($label): chart asset missing"; exit 1; }
  echo "[$label] synth OK ($(find cdktf.out/stacks/acme -type f | wc -l) files from the packed library)"
}

snapshot_test() { # <label> <app dir>: the team's snapshot test, as CI runs it and as a PR changes it
  local label="$1" app="$2" snap="$2/__tests__/__snapshots__/acme.test.js.snap"
  cd "$app"
  "$jest" --rootDir "$app" --ci=false --silent >/dev/null 2>&1     # the team's first commit writes the snapshots
  [ -s "$snap" ] || { echo "FAIL ($label): no snapshot written"; exit 1; }
  "$jest" --rootDir "$app" --ci --silent                             # CI on an unchanged spec: byte-identical
  local entries; entries="$(grep -c '^exports\[' "$snap")"
  cp "$snap" "$work/before.snap"
  # The pull request: a second stream on a new topic, declared before the existing one.
  node -e "
    const fs = require('fs'); let s = fs.readFileSync('region.js', 'utf8');
    s = s.replace(\"topics: [{ name: 'orders', partitions: 8 }]\", \"topics: [{ name: 'refunds', partitions: 8 }, { name: 'orders', partitions: 8 }]\");
    s = s.replace('streams: [{', \"streams: [{ name: 'refunds', columns: [{ name: 'refund_id', type: 'UUID' }, { name: 'team_id', type: 'Int64' }], orderBy: ['team_id', 'refund_id'], legs: [{ backend: 'warpstream_ingestion', topic: 'refunds', roles: [NodeRole.SMALL] }] }, {\");
    fs.writeFileSync('region.js', s);"
  if "$jest" --rootDir "$app" --ci --silent >/dev/null 2>&1; then echo "FAIL ($label): the snapshot test did not notice the new stream"; exit 1; fi
  "$jest" --rootDir "$app" --ci=false -u --silent >/dev/null 2>&1  # the author updates the snapshots
  # The access Job and its ConfigMap are named after the hash of their script, so that a new
  # stream's grants run again on every node: that name is the one line allowed to change.
  local unhash='s/clickhouse-access-[0-9a-f]\{10\}/clickhouse-access-<hash>/g' removed added renamed
  renamed="$(diff "$work/before.snap" "$snap" | grep -c '^<.*clickhouse-access-[0-9a-f]\{10\}' || true)"
  removed="$(diff <(sed "$unhash" "$work/before.snap") <(sed "$unhash" "$snap") | grep -c '^<' || true)"
  added="$(diff <(sed "$unhash" "$work/before.snap") <(sed "$unhash" "$snap") | grep -c '^>' || true)"
  [ "$removed" = 0 ] && [ "$added" -gt 0 ] || { echo "FAIL ($label): adding a stream changed $removed existing snapshot lines:"; diff <(sed "$unhash" "$work/before.snap") <(sed "$unhash" "$snap") | grep '^<' | head -20; exit 1; }
  echo "[$label] snapshot test OK ($entries named snapshots; adding a stream only added $added lines, and renamed the access Job ($renamed lines) so that it runs again)"
}

# 1. Highest allowed versions: the repository's node_modules.
for p in "${peers[@]}"; do
  have="$(node -p "require('$repo/node_modules/$p/package.json').version")"
  newest="$(timeout 30 npm view "$p" versions --json 2>/dev/null | node -e "
    let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => {
      try { console.log(require('$repo/node_modules/semver').maxSatisfying(JSON.parse(s), process.argv[1]) ?? ''); } catch { console.log(''); }
    });" "$(range "$p")")" || newest=""
  if [ -z "$newest" ]; then echo "warning: registry unreachable, not checking that $p@$have is the newest of $(range "$p")";
  elif [ "$newest" != "$have" ]; then echo "FAIL: node_modules has $p@$have, the newest allowed by $(range "$p") is $newest: update the devDependency"; exit 1; fi
done
high="$(new_app highest)"
mkdir -p "$high/node_modules/cdktf-clickhouse-ingest"
tar -xzf "$work/$tarball" -C "$high/node_modules/cdktf-clickhouse-ingest" --strip-components=1
for entry in "$repo"/node_modules/* "$repo"/node_modules/@*/; do
  name="${entry%/}"; name="${name#"$repo"/node_modules/}"
  case "$name" in .bin|cdktf-clickhouse-ingest) continue ;; esac
  [ -e "$high/node_modules/$name" ] || ln -s "$repo/node_modules/$name" "$high/node_modules/$name"
done
check_app highest "$high"
snapshot_test highest "$high"
# Every ```ts block of README.md and docs/ compiles against the package as installed.
node "$repo/scripts/doc-snippets.js" "$high/doc-snippets"
(cd "$high" && "$repo/node_modules/.bin/tsc" --noEmit --strict --module es2022 --target es2022 --moduleResolution bundler \
  --skipLibCheck --types node,jest doc-snippets/*.ts) || { echo "FAIL: a code block in the docs does not compile against the package"; exit 1; }
echo "[highest] docs code blocks compile against the package"

# 2. Lowest allowed versions: a real install, as a user one patch behind does it.
low="$(new_app lowest)"
lowest=()
for p in "${peers[@]}"; do lowest+=("$p@$(node -p "require('$repo/node_modules/semver').minVersion(process.argv[1]).version" "$(range "$p")")"); done
(cd "$low" && npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error "$work/$tarball" "${lowest[@]}" >/dev/null)
check_app lowest "$low"
snapshot_test lowest "$low"
echo "package-consumer: OK"
