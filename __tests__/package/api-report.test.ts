import * as fs from 'fs';
import * as path from 'path';
import * as api from '../../lib';

/**
 * The committed API report (api/cdktf-clickhouse-ingest.api.md, written by API Extractor from the
 * built declarations) is checked in full by `npm run api:check` in CI. This test catches the most
 * common drift without a build: a value export added to or removed from the root.
 */
test('the committed API report lists exactly the values the package root exports', () => {
  const report = fs.readFileSync(path.join(__dirname, '..', '..', 'api', 'cdktf-clickhouse-ingest.api.md'), 'utf8');
  const inReport = new Set([...report.matchAll(/^export (?:declare )?(?:abstract )?(?:class|function|const|enum|let|var|namespace) ([A-Za-z0-9_$]+)/gm)].map((m) => m[1]));
  const exported = new Set(Object.keys(api));
  const missingFromReport = [...exported].filter((n) => !inReport.has(n)).sort();
  const goneFromPackage = [...inReport].filter((n) => !exported.has(n)).sort();
  // Run `npm run api:update` and commit the report when this fails on purpose.
  expect({ missingFromReport, goneFromPackage }).toEqual({ missingFromReport: [], goneFromPackage: [] });
});
