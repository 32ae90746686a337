/**
 * Every stack the project synthesizes passes `terraform init` + `terraform validate` against the
 * real AWS provider schema (offline, from the local plugin mirror; see ../support/terraform.ts and
 * docs/testing.md for what the validated copy leaves out). Skips with the reason when terraform is missing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MigrationPhase, migrationRegion } from '../../examples/backend-migration/region';
import { DEV_REGION } from '../../examples/dev-region/region';
import { SHUFFLEHOG_REGION } from '../../examples/shufflehog/region';
import { KafkaAuth } from '../../lib/model/spec';
import { addRegionStacks } from '../../stacks/app';
import { smallRegion } from '../safety/specs';
import {
  describeValidation, mirrorableConfig, StackValidation, terraformAvailability, UNMIRRORED_PROVIDERS, validateStack, validateStacks,
} from '../support/terraform';
import { cleanUp, SynthesizedStack, synthApp, synthStacks, tempOutdir } from './support/synth';

afterAll(cleanUp);

const tf = terraformAvailability();
const whenTerraform = tf.available ? describe : describe.skip;
if (!tf.available) console.warn(`terraform validate tests skipped: ${tf.reason}`);

whenTerraform('terraform validate', () => {
  const stacks: Record<string, SynthesizedStack> = {};
  let results: Record<string, StackValidation>;

  beforeAll(async () => {
    Object.assign(stacks, synthApp((app) => addRegionStacks(app)));
    Object.assign(stacks, synthStacks({ dev: DEV_REGION, shuffle: SHUFFLEHOG_REGION }));
    // MSK with SASL/SCRAM: its secret, association and the topics Job's write-only Secret copy.
    const small = smallRegion();
    stacks.scram = synthStacks({ scram: {
      ...small, kafkaBackends: small.kafkaBackends!.map((b) => (b.name === 'msk_cluster' ? { ...b, auth: KafkaAuth.SASL_SCRAM } : b)),
    } }).scram;
    for (const phase of Object.values(MigrationPhase)) stacks[`migration-${phase}`] = synthStacks({ migration: migrationRegion(phase) }).migration;
    const names = Object.keys(stacks);
    const validated = await validateStacks(names.map((n) => stacks[n].dir));
    results = Object.fromEntries(names.map((n, i) => [n, validated[i]]));
  }, 600_000);

  test.each(['us', 'eu', 'dev', 'shuffle', 'scram', ...Object.values(MigrationPhase).map((p) => `migration-${p}`)])('%s passes', (name) => {
    const result = results[name];
    expect(result.valid ? '' : describeValidation(result)).toBe('');
  });

  test.each(['us', 'eu'])('%s: the validated copy leaves out exactly the resources of the unmirrored providers', (name) => {
    const config = stacks[name].config as Record<string, Record<string, Record<string, unknown>>>;
    const unmirrored = (type: string): boolean => UNMIRRORED_PROVIDERS.some((p) => type.startsWith(`${p}_`));
    const expected = Object.entries(config.resource ?? {}).filter(([type]) => unmirrored(type))
      .flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`));
    expect(expected.length).toBeGreaterThan(0);
    expect(results[name].leftOut).toEqual(expected.sort());
    // Everything of the aws provider stays in.
    const copy = mirrorableConfig(config, tf.awsVersion!).config as typeof config;
    expect(Object.keys(copy.resource).filter(unmirrored)).toEqual([]);
    expect(Object.keys(copy.resource).filter((t) => t.startsWith('aws_')).sort())
      .toEqual(Object.keys(config.resource).filter((t) => t.startsWith('aws_')).sort());
  });

  test('the helper fails a stack with unescaped shell text in user data (the check can fail)', async () => {
    const dir = tempOutdir();
    fs.cpSync(stacks.dev.dir, dir, { recursive: true });
    const file = path.join(dir, 'cdk.tf.json');
    const config = JSON.parse(fs.readFileSync(file, 'utf8'));
    const [id] = Object.keys(config.resource.aws_instance);
    config.resource.aws_instance[id].user_data = '#!/bin/bash\nfor d in "${nvme[@]}"; do echo "${d:-none}"; done\n';
    fs.writeFileSync(file, JSON.stringify(config));
    const result = await validateStack(dir);
    expect(result.valid).toBe(false);
    expect(result.errors.length).toBeGreaterThan(0);
  }, 120_000);
});
