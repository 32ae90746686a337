import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, IAspect, TerraformResource, TerraformStack, Testing } from 'cdktf';
import { IConstruct } from 'constructs';
import { EbsVolume } from '@cdktf/provider-aws/lib/ebs-volume';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { addCustomSynthesis, StackSynthesizer } from 'cdktf/lib/synthesize/synthesizer';
import type { ISynthesisSession } from 'cdktf/lib/synthesize/types';
import { evaluatePolicies, PolicyPack, TerraformJson as PolicyJson } from '../../lib/policy';
import { RegionStack } from '../../lib/constructs/region-stack';
import { cleanUp, readStack, tempOutdir, TerraformJson } from '../region/support/synth';
import { smallRegion } from '../safety/specs';
import { fullSynth, testApp } from '../support/temp';

/**
 * A platform team's Aspects compose with the library's policy pack: whether added before or after
 * the pack, they reach `cdk.tf.json`, and the pack judges the tree as they leave it.
 */

afterAll(cleanUp);

/** A tagging Aspect as platform teams write it: merges their tags into every taggable resource. */
class TagAspect implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}
  public visit(node: IConstruct): void {
    if (!TerraformResource.isTerraformResource(node) || !('tagsInput' in node)) return;
    const taggable = node as TerraformResource & { tagsInput?: Record<string, string>; tags: Record<string, string> };
    taggable.tags = { ...(taggable.tagsInput ?? {}), ...this.tags };
  }
}

/** Changes one attribute of every EBS volume and instance, to prove the change is not lost. */
class VolumeTypeAspect implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof EbsVolume) node.type = 'gp3';
  }
}

/** Breaks IMDSv2 on every instance: the pack must see it even though the Aspect runs after it. */
class LegacyMetadataAspect implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof Instance) node.putMetadataOptions({ httpTokens: 'optional' });
  }
}

/** Repairs the one violation of a hand-built stack: the pack must judge the repaired tree. */
class EncryptVolumesAspect implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof EbsVolume) node.encrypted = true;
  }
}

type Resources = Record<string, Record<string, Record<string, unknown>>>;

function taggableResources(config: TerraformJson): [string, Record<string, unknown>][] {
  return Object.entries((config.resource ?? {}) as Resources).flatMap(([type, byName]) =>
    Object.entries(byName).filter(([, r]) => r.tags !== undefined).map(([name, r]) => [`${type}.${name}`, r] as [string, Record<string, unknown>]));
}

function synthRegion(configure: (stack: RegionStack) => void, before?: (app: App) => void): { config: TerraformJson; stack: RegionStack } {
  const outdir = tempOutdir();
  const app = new App({ outdir, stackTraces: false });
  before?.(app);
  const stack = new RegionStack(app, 'region', smallRegion());
  configure(stack);
  app.synth();
  return { config: readStack(path.join(outdir, 'stacks', 'region')).config, stack };
}

describe('user Aspects on a RegionStack (added after its policy pack)', () => {
  test('a tagging Aspect and an attribute-changing Aspect both reach cdk.tf.json, and the pack passes', () => {
    const { config, stack } = synthRegion((s) => {
      Aspects.of(s).add(new TagAspect({ team: 'platform', 'cost-center': 'ingest-42' }));
      Aspects.of(s).add(new VolumeTypeAspect());
    });
    const tagged = taggableResources(config);
    // Every AWS resource with tags in the default output carries the team's tags next to the library's.
    expect(tagged.length).toBeGreaterThan(5);
    for (const [address, r] of tagged) {
      expect({ address, tags: r.tags }).toEqual({ address, tags: expect.objectContaining({ team: 'platform', 'cost-center': 'ingest-42' }) });
    }
    const instances = Object.values((config.resource as Resources).aws_instance);
    expect(instances.length).toBeGreaterThan(0);
    // The library's own tags survive the merge.
    expect(instances.every((i) => typeof (i.tags as Record<string, string>).Name === 'string')).toBe(true);
    const volumes = Object.values((config.resource as Resources).aws_ebs_volume ?? {});
    expect(volumes.length).toBeGreaterThan(0);
    expect(volumes.map((v) => v.type)).toEqual(volumes.map(() => 'gp3'));
    expect(stack.policyPack.violations).toEqual([]);
  });

  test('a tagging Aspect on one construct tags only the resources below it (docs/bring-your-own.md#tags)', () => {
    const { config, stack } = synthRegion((s) => {
      Aspects.of(s.storageCluster).add(new TagAspect({ 'cost-center': 'storage-7' }));
    });
    const tagged = taggableResources(config);
    const storage = tagged.filter(([address]) => /^[a-z0-9_]+\.storage_/.test(address));
    const others = tagged.filter(([address]) => !/^[a-z0-9_]+\.storage_/.test(address));
    expect(storage.length).toBeGreaterThan(5);
    expect(others.length).toBeGreaterThan(0);
    for (const [address, r] of storage) expect({ address, tags: r.tags }).toEqual({ address, tags: expect.objectContaining({ 'cost-center': 'storage-7' }) });
    for (const [address, r] of others) expect({ address, costCenter: (r.tags as Record<string, string>)['cost-center'] }).toEqual({ address, costCenter: undefined });
    expect(stack.policyPack.violations).toEqual([]);
  });

  test('an Aspect that breaks a rule after the pack was applied still fails the synth, naming the rule', () => {
    const outdir = tempOutdir();
    const app = new App({ outdir, stackTraces: false });
    const stack = new RegionStack(app, 'region', smallRegion());
    Aspects.of(stack).add(new LegacyMetadataAspect());
    expect(() => app.synth()).toThrow(/imdsv2-required/);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'region', 'cdk.tf.json'))).toBe(false);
  });
});

describe('user Aspects on a plain stack, before and after PolicyPack.apply', () => {
  function stackWithPlainVolume(): { app: App; stack: TerraformStack } {
    const app = testApp();
    const stack = new TerraformStack(app, 'plain');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    new EbsVolume(stack, 'volume', { availabilityZone: 'us-east-1a', size: 10, lifecycle: { preventDestroy: true } });
    return { app, stack };
  }

  test.each([
    ['before', true],
    ['after', false],
  ])('an Aspect added %s the pack that repairs the one violation lets the synth through, and cdk.tf.json has the repair', (_when, before) => {
    const { stack } = stackWithPlainVolume();
    if (before) Aspects.of(stack).add(new EncryptVolumesAspect());
    const pack = PolicyPack.apply(stack);
    if (!before) Aspects.of(stack).add(new EncryptVolumesAspect());
    Aspects.of(stack).add(new TagAspect({ team: 'platform' }));
    const outdir = fullSynth(stack);
    const config = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'plain', 'cdk.tf.json'), 'utf8')) as { resource: Resources };
    expect(config.resource.aws_ebs_volume.volume).toMatchObject({ encrypted: true, tags: { team: 'platform' } });
    expect(pack.violations).toEqual([]);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('without the repairing Aspect the same stack fails, so the test above could fail', () => {
    const { stack } = stackWithPlainVolume();
    PolicyPack.apply(stack);
    expect(() => Testing.synth(stack, true)).toThrow(/ebs-encrypted/);
  });

  test('Testing.synth(stack, true) judges the tree after every Aspect (and the output has the change)', () => {
    const { stack } = stackWithPlainVolume();
    const pack = PolicyPack.apply(stack);
    Aspects.of(stack).add(new EncryptVolumesAspect());
    const json = JSON.parse(Testing.synth(stack, true)) as { resource: Resources };
    expect(json.resource.aws_ebs_volume.volume.encrypted).toBe(true);
    expect(pack.violations).toEqual([]);
  });

  test('with validations skipped, the pack still judges the final tree through its annotation', () => {
    const outdir = tempOutdir();
    const app = new App({ outdir, skipValidation: true, stackTraces: false });
    const stack = new TerraformStack(app, 'plain');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    new Instance(stack, 'host', {
      ami: 'ami-1', instanceType: 't3.micro', rootBlockDevice: { encrypted: true },
      metadataOptions: { httpTokens: 'required' }, lifecycle: { preventDestroy: true },
    });
    PolicyPack.apply(stack);
    Aspects.of(stack).add(new LegacyMetadataAspect());
    expect(() => app.synth()).toThrow(/Encountered Annotations with level "ERROR"[\s\S]*imdsv2-required/);
  });
});

describe('the pack judges the JSON that is written (one resolution of the stack under app.synth)', () => {
  test('a RegionStack is resolved once per synth, and what was judged is what cdk.tf.json holds', () => {
    const outdir = tempOutdir();
    const app = new App({ outdir, stackTraces: false });
    const stack = new RegionStack(app, 'region', smallRegion());
    const resolve = TerraformStack.prototype.toTerraform;
    const results: unknown[] = [];
    const spy = jest.spyOn(TerraformStack.prototype, 'toTerraform').mockImplementation(function (this: TerraformStack) {
      const json = resolve.call(this);
      results.push(json);
      return json;
    });
    try {
      app.synth();
    } finally {
      spy.mockRestore();
    }
    expect(results).toHaveLength(1);
    expect(readStack(path.join(outdir, 'stacks', 'region')).config).toEqual(JSON.parse(JSON.stringify(results[0])));
    expect(stack.policyPack.violations).toEqual([]);
  });

  test('the object the write resolves is the one judged: a violation planted in it fails the synth, still with one resolution', () => {
    const outdir = tempOutdir();
    const app = new App({ outdir, stackTraces: false });
    new RegionStack(app, 'region', smallRegion());
    const resolve = TerraformStack.prototype.toTerraform;
    let calls = 0;
    const spy = jest.spyOn(TerraformStack.prototype, 'toTerraform').mockImplementation(function (this: TerraformStack) {
      calls++;
      const json = resolve.call(this) as { resource: Resources };
      for (const host of Object.values(json.resource.aws_instance)) host.metadata_options = { http_tokens: 'optional' };
      return json;
    });
    try {
      expect(() => app.synth()).toThrow(/Validation failed[\s\S]*imdsv2-required/);
    } finally {
      spy.mockRestore();
    }
    expect(calls).toBe(1);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'region'))).toBe(false);
  });

  test('a stack resolved by an Aspect before a later Aspect repairs it is judged as repaired (only the write is judged)', () => {
    const app = testApp();
    const stack = new TerraformStack(app, 'plain');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    new EbsVolume(stack, 'volume', { availabilityZone: 'us-east-1a', size: 10, lifecycle: { preventDestroy: true } });
    const pack = PolicyPack.apply(stack);
    let resolvedEarly = false;
    // Runs first (added first) and resolves the unrepaired stack, e.g. a cost-estimation Aspect.
    Aspects.of(stack).add({ visit: (node: IConstruct) => { if (node === stack) resolvedEarly = stack.toTerraform() !== undefined; } });
    Aspects.of(stack).add(new EncryptVolumesAspect());
    const outdir = fullSynth(stack);
    expect(resolvedEarly).toBe(true);
    expect(pack.violations).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'plain', 'cdk.tf.json'), 'utf8')).resource.aws_ebs_volume.volume.encrypted).toBe(true);
  });

  test('a change made after the validations (in a custom synthesis step) is judged: the synth fails and nothing is written', () => {
    const outdir = tempOutdir();
    const app = new App({ outdir, stackTraces: false });
    const stack = new RegionStack(app, 'region', smallRegion());
    const host = stack.node.findAll().find((c): c is Instance => c instanceof Instance)!;
    addCustomSynthesis(host, { onSynthesize: () => host.putMetadataOptions({ httpTokens: 'optional' }) });
    expect(() => app.synth()).toThrow(/Validation failed[\s\S]*imdsv2-required/);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'region'))).toBe(false);
  });

  test('the rules only read the JSON they judge (a deep-frozen stack passes unchanged)', () => {
    const app = new App({ outdir: tempOutdir(), stackTraces: false });
    const stack = new RegionStack(app, 'region', smallRegion());
    const json = JSON.parse(Testing.synth(stack)) as PolicyJson;
    const deepFreeze = (v: unknown): unknown => {
      if (v !== null && typeof v === 'object') {
        Object.values(v).forEach(deepFreeze);
        Object.freeze(v);
      }
      return v;
    };
    const copy = JSON.parse(JSON.stringify(json)) as PolicyJson;
    // A write to a frozen object throws in strict-mode code, which every rule module is.
    expect(evaluatePolicies({ terraform: deepFreeze(json) as PolicyJson, topology: stack.topology })).toEqual([]);
    expect(json).toEqual(copy);
    // And with violations to report: every instance without IMDSv2, an open data port.
    const broken = JSON.parse(JSON.stringify(copy)) as { resource: Resources };
    for (const host of Object.values(broken.resource.aws_instance)) host.metadata_options = { http_tokens: 'optional' };
    broken.resource.aws_vpc_security_group_ingress_rule = {
      ...broken.resource.aws_vpc_security_group_ingress_rule,
      open: { security_group_id: 'sg-1', cidr_ipv4: '0.0.0.0/0', ip_protocol: 'tcp', from_port: 8123, to_port: 8123 },
    };
    const expected = evaluatePolicies({ terraform: JSON.parse(JSON.stringify(broken)) as PolicyJson, topology: stack.topology });
    expect(new Set(expected.map((v) => v.ruleId))).toEqual(new Set(['imdsv2-required', 'no-public-data-ingress']));
    expect(evaluatePolicies({ terraform: deepFreeze(broken) as PolicyJson, topology: stack.topology })).toEqual(expected);
  });
});

describe('synthesizers the pack does not judge at the write still get judged', () => {
  function stackWithLegacyMetadata(app: App): TerraformStack {
    const stack = new TerraformStack(app, 'plain');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    new Instance(stack, 'host', {
      ami: 'ami-1', instanceType: 't3.micro', rootBlockDevice: { encrypted: true },
      metadataOptions: { httpTokens: 'optional' }, lifecycle: { preventDestroy: true },
    });
    return stack;
  }

  test('HCL output (SYNTH_HCL_OUTPUT): the stack validation judges, and nothing is written', () => {
    const outdir = tempOutdir();
    const previous = process.env.SYNTH_HCL_OUTPUT;
    // Read by the App (its manifest names cdk.tf) and by each stack's synthesizer.
    process.env.SYNTH_HCL_OUTPUT = 'true';
    try {
      const app = new App({ outdir, stackTraces: false });
      const stack = stackWithLegacyMetadata(app);
      expect((stack.synthesizer as unknown as { hclOutput: boolean }).hclOutput).toBe(true);
      PolicyPack.apply(stack);
      expect(() => app.synth()).toThrow(/Validation failed[\s\S]*imdsv2-required/);
    } finally {
      if (previous === undefined) delete process.env.SYNTH_HCL_OUTPUT;
      else process.env.SYNTH_HCL_OUTPUT = previous;
    }
    expect(fs.existsSync(path.join(outdir, 'stacks', 'plain'))).toBe(false);
  });

  test('a synthesizer of the user\'s, validations skipped and error annotations let through: the pack still throws before the write', () => {
    const outdir = tempOutdir();
    const app = new App({ outdir, skipValidation: true, stackTraces: false });
    const stack = stackWithLegacyMetadata(app);
    // What cdktf-cli sets: error annotations go to the manifest instead of failing the synth.
    stack.synthesizer = new StackSynthesizer(stack, true);
    const inner = stack.synthesizer;
    stack.synthesizer = { synthesize: (session) => inner.synthesize(session) };
    PolicyPack.apply(stack);
    expect(() => app.synth()).toThrow(/Encountered Annotations with level "ERROR"[\s\S]*imdsv2-required/);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'plain', 'cdk.tf.json'))).toBe(false);
  });

  test('a StackSynthesizer subclass that writes without toTerraform is judged after its write, which is taken back', () => {
    const outdir = tempOutdir();
    const app = new App({ outdir, stackTraces: false });
    const stack = stackWithLegacyMetadata(app);
    class HandWritten extends StackSynthesizer {
      public synthesize(session: ISynthesisSession): void {
        const file = path.join(session.outdir, session.manifest.forStack(this.stack).synthesizedStackPath);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, '{}');
      }
    }
    stack.synthesizer = new HandWritten(stack);
    PolicyPack.apply(stack);
    expect(() => app.synth()).toThrow(/Validation failed[\s\S]*imdsv2-required/);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'plain'))).toBe(false);
  });
});
