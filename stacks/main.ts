import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { buildTopology, TopologySpec } from '../lib/model';
import { EU_TOPOLOGY } from './eu';
import { US_TOPOLOGY } from './us';

// Placeholder until RegionStack lands: validates each region's topology and synthesizes its summary.
const app = new App();
for (const [spec, region] of [[US_TOPOLOGY, 'us-east-1'], [EU_TOPOLOGY, 'eu-central-1']] as [TopologySpec, string][]) {
  const topology = buildTopology(spec);
  const stack = new TerraformStack(app, topology.name);
  new AwsProvider(stack, 'aws', { region });
  new TerraformOutput(stack, 'data_nodes', { value: topology.storage.hosts.length });
  new TerraformOutput(stack, 'ingestion_nodes', { value: topology.ingestionTiers.reduce((n, t) => n + t.nodes, 0) });
}
app.synth();
