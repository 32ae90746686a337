#!/usr/bin/env bash
# ESLint and one `tsc --noEmit` side by side (each is single-threaded: on two cores they overlap),
# both with a cache in node_modules/.cache (a rerun checks only what changed; a fresh clone checks all);
# fails if either fails, after both have printed their findings.
set -uo pipefail
cd "$(dirname "$0")/.."
npx eslint --cache --cache-location node_modules/.cache/eslint/ . & lint=$!
npx tsc --noEmit --incremental --tsBuildInfoFile node_modules/.cache/tsc/noemit.tsbuildinfo; typecheck=$?
wait "$lint"; lint_status=$?
exit $(( lint_status || typecheck ))
