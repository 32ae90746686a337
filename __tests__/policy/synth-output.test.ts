import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { DEV_REGION } from '../../examples/dev-region/region';
import { checkSynthOutput } from '../../lib/policy';
import { RegionStack } from '../../lib/constructs/region-stack';

describe('checking a synthesized output folder on disk', () => {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synth-output-')), 'cdktf.out');
  let topology: RegionStack['topology'];
  beforeAll(() => {
    const app = new App({ outdir });
    topology = new RegionStack(app, 'dev', DEV_REGION).topology;
    app.synth();
  });
  afterAll(() => fs.rmSync(path.dirname(outdir), { recursive: true, force: true }));
  const suppressions = { dev: DEV_REGION.policySuppressions ?? {} };

  test('the dev region as written passes with its own suppressions', () => {
    expect(checkSynthOutput(outdir, { topologies: { dev: topology }, suppressions })).toEqual([]);
  });

  test('without them, the scan sees what the dev region switched off (it reads the real files)', () => {
    const rules = new Set(checkSynthOutput(outdir).map((v) => v.ruleId));
    expect([...rules]).toEqual(['stateful-prevent-destroy']);
  });

  test('a secret added to an artifact file, and an open ingress added to cdk.tf.json, are found', () => {
    const stackDir = path.join(outdir, 'stacks', 'dev');
    fs.writeFileSync(path.join(stackDir, 'artifacts', 'helm', 'extra.values.yaml'), 'auth:\n  password: hunter2hunter2\n');
    const file = path.join(stackDir, 'cdk.tf.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.resource.aws_vpc_security_group_ingress_rule.open = { security_group_id: 'sg-1', cidr_ipv4: '0.0.0.0/0', ip_protocol: 'tcp', from_port: 9000, to_port: 9000 };
    fs.writeFileSync(file, JSON.stringify(json));
    const found = checkSynthOutput(outdir, { topologies: { dev: topology }, suppressions });
    expect(found.map((v) => [v.stack, v.ruleId])).toEqual([['dev', 'no-public-data-ingress'], ['dev', 'no-literal-secrets']]);
    expect(found[1].message).toContain('artifact helm/extra.values.yaml');
  });
});
