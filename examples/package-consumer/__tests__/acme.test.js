// @ts-check
// The platform team's pull-request test: every Terraform block (by address) and every artifact file
// (by path) is its own named snapshot, so a reviewer reads a change of the region as the lines it
// changes: the plan, the Helm values, the ClickHouse XML and SQL.
const { App } = require('cdktf');
const { RegionStack, snapshotStack } = require('cdktf-clickhouse-ingest');
const { acmeRegion } = require('../region');

test('the acme region', () => {
  const stack = new RegionStack(new App({ stackTraces: false }), 'acme', acmeRegion());
  // A full synth: Aspects, validations and the policy pack run as under `cdktf synth`.
  // The alert rules and the dashboard carry region-wide figures (a tier's partitions over all its
  // legs, the dashboard's layout), so a PR that adds a stream rewrites some of their lines: this
  // team reviews them as files, the rest as snapshots where a new stream only adds lines.
  const snapshot = snapshotStack(stack, { excludeArtifact: (file) => file.startsWith('observability/') });
  for (const [name, content] of Object.entries(snapshot)) expect(content).toMatchSnapshot(name);
});
