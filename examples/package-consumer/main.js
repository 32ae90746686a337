// @ts-check
// A cdktf app that uses the library as an npm package, the way a platform team would. The CI step
// `examples/package-consumer/check.sh` installs the packed tarball, type-checks this file against
// the package's declarations, synthesizes it and runs the team's snapshot test.
const { App } = require('cdktf');
const { RegionStack } = require('cdktf-clickhouse-ingest');
const { acmeRegion } = require('./region');

const app = new App();
new RegionStack(app, 'acme', acmeRegion());
app.synth();
