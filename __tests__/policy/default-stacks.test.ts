import { Testing } from 'cdktf';
import { MigrationPhase, migrationRegion } from '../../examples/backend-migration/region';
import { DEV_REGION } from '../../examples/dev-region/region';
import { SHUFFLEHOG_REGION } from '../../examples/shufflehog/region';
import { evaluatePolicies, PolicyRuleId, TerraformJson } from '../../lib/policy';
import { RegionStackProps, RegionStack } from '../../lib/constructs/region-stack';
import { EU_REGION } from '../../stacks/eu';
import { US_REGION } from '../../stacks/us';
import { testApp } from '../support/temp';

/**
 * Every stack the library ships (the default regions and every example) synthesizes with the
 * policy pack on, and passes it; a rule is off only where the region says why.
 */
const stacks: [string, RegionStackProps][] = [
  ['us', US_REGION],
  ['eu', EU_REGION],
  ['dev', DEV_REGION],
  ['shufflehog', SHUFFLEHOG_REGION],
  ...Object.values(MigrationPhase).map((phase): [string, RegionStackProps] => [`migration-${phase}`, migrationRegion(phase)]),
];

// Built once and shared: the us stack is also the subject of the breaking tests below.
const usStack = new RegionStack(testApp(), 'us', US_REGION);

describe('policy pack on the shipped stacks', () => {
  test.each(stacks)('%s passes the policy pack', (id, spec) => {
    const stack = id === 'us' ? usStack : new RegionStack(testApp(), id, spec);
    // Runs the aspects (the pack) and the validations (where a violation would throw); writes nothing.
    Testing.synth(stack, true);
    expect(stack.policyPack.violations).toEqual([]);
    // What is suppressed is suppressed by the region's own written reasons, nothing else.
    const allowed = spec.policySuppressions ?? {};
    for (const s of stack.policyPack.suppressed) {
      expect(Object.keys(allowed)).toContain(s.ruleId);
      expect(s.reason.length).toBeGreaterThan(10);
    }
  });

  test('production regions suppress nothing', () => {
    expect(US_REGION.policySuppressions ?? {}).toEqual({});
    expect(EU_REGION.policySuppressions ?? {}).toEqual({});
  });
});

describe('policy pack bites on the real us output', () => {
  // Break one thing at a time in the synthesized us JSON: the pack must name exactly that rule,
  // which shows each rule has real subjects in the default stack (not vacuously passing).
  const stack = usStack;
  const us = JSON.parse(Testing.synth(stack, true)) as { resource: Record<string, Record<string, Record<string, unknown>>> };
  const first = (type: string): Record<string, unknown> => Object.values(us.resource[type] ?? {})[0];
  const ingestionRelease = (json: typeof us): Record<string, unknown> =>
    // The events tier's installation (the monitoring release names the tier too).
    Object.values(json.resource.helm_release).find((r) => JSON.stringify(r.values).includes('kind: ClickHouseInstallation\\n  metadata:\\n    name: ingestion-events'))!;

  const breakers: [PolicyRuleId, (json: typeof us) => void][] = [
    ['imdsv2-required', (j) => { (j.resource.aws_instance[Object.keys(j.resource.aws_instance)[0]].metadata_options as Record<string, unknown>).http_tokens = 'optional'; }],
    ['ebs-encrypted', (j) => { Object.values(j.resource.aws_ebs_volume)[0].encrypted = false; }],
    ['no-public-data-ingress', (j) => {
      const rule = Object.values(j.resource.aws_vpc_security_group_ingress_rule)[0];
      delete rule.referenced_security_group_id;
      rule.cidr_ipv4 = '0.0.0.0/0';
    }],
    ['stateful-prevent-destroy', (j) => { delete Object.values(j.resource.aws_s3_bucket)[0].lifecycle; }],
    ['bucket-public-access-blocked', (j) => { delete j.resource.aws_s3_bucket_public_access_block; }],
    ['bucket-encrypted', (j) => { delete j.resource.aws_s3_bucket_server_side_encryption_configuration; }],
    ['bucket-tls-only', (j) => { delete j.resource.aws_s3_bucket_policy; }],
    ['msk-in-transit-tls', (j) => { Object.values(j.resource.aws_msk_cluster)[0].encryption_info = { encryption_in_transit: { client_broker: 'TLS_PLAINTEXT' } }; }],
    ['stateless-tier-reclaim-delete', (j) => {
      const r = ingestionRelease(j);
      r.values = (r.values as string[]).map((v) => v.replace(/reclaimPolicy: Delete/g, 'reclaimPolicy: Retain'));
    }],
    ['stateless-tier-foreground-insert', (j) => {
      const r = ingestionRelease(j);
      r.values = (r.values as string[]).map((v) => v.replace(/<distributed_foreground_insert>1</g, '<distributed_foreground_insert>0<'));
    }],
    ['no-literal-secrets', (j) => {
      const r = ingestionRelease(j);
      r.values = [...(r.values as string[]), 'auth:\n  password: hunter2hunter2\n'];
    }],
  ];

  test('the unbroken us output passes', () => {
    expect(evaluatePolicies({ terraform: us as TerraformJson, topology: stack.topology })).toEqual([]);
  });

  test.each(breakers)('breaking %s in the us output is caught', (ruleId, breakIt) => {
    const json = JSON.parse(JSON.stringify(us)) as typeof us;
    breakIt(json);
    const found = evaluatePolicies({ terraform: json as TerraformJson, topology: stack.topology });
    expect([...new Set(found.map((v) => v.ruleId))]).toEqual([ruleId]);
  });

  test('the first instance the rules see is a storage node (so IMDSv2 and prevent_destroy are checked on data nodes)', () => {
    expect(JSON.stringify(first('aws_instance').tags)).toContain('storage');
  });
});
