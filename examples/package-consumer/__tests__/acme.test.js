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
  const snapshot = snapshotStack(stack);
  for (const [name, content] of Object.entries(snapshot)) expect(content).toMatchSnapshot(name);
});
