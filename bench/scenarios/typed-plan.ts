// Prepares (c''), the floor written as a hand-written cdktf app: from a synthesized output
// (BENCH_SOURCE), the typed constructor config of every provider, resource and data source, in an
// order where each element comes after the elements it references or depends on. Ephemeral
// resources, which no prebuilt class covers, keep their block as it is; the backend, variables and
// outputs are kept as they are for the floor to build. Writes BENCH_PLAN.
//
// A provider class takes camelCase config and maps it back to Terraform's snake_case at synth, but a
// map attribute (tags, labels, Helm values) keeps its keys. Which is which is not in the JSON, so every
// top-level attribute is converted, then tried: an element of its class is built with that attribute
// alone and resolved, and the attribute is kept as typed config only if it comes back equal. The rest
// stay overrides, as in the plain floor (c). bench/run.ts then checks the floor's blocks equal the app's.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, DefaultTokenResolver, StringConcat, TerraformStack, Tokenization } from 'cdktf';
import { addressOf, camel, classOf, ElementClass, ElementKind, REFERENCE, StackJson } from './elements';

export interface PlannedElement {
  readonly kind: ElementKind;
  readonly type: string;
  readonly id: string;
  /** Constructor config, camelCase (an ephemeral resource's block as it is), references still as `${…}` text. */
  readonly config: Record<string, unknown>;
  /** Attributes that did not come back equal as typed config. */
  readonly overrides: Record<string, unknown>;
  /** Addresses of the elements in `depends_on`, if the element has the attribute (even empty). */
  readonly dependsOn?: readonly string[];
  /** Whether any attribute holds a plain reference (only those are walked for tokens). */
  readonly references: boolean;
}
export interface PlannedProvider { readonly type: string; readonly config: Record<string, unknown>; readonly overrides: Record<string, unknown> }
export interface Plan {
  readonly stacks: readonly {
    readonly name: string;
    readonly providers: readonly PlannedProvider[];
    readonly elements: readonly PlannedElement[];
    /** The `terraform` block, variables and outputs, as synthesized. */
    readonly blocks: Pick<StackJson, 'terraform' | 'variable' | 'output'>;
  }[];
}


/** Nested blocks become camelCase structs; keys that are not snake_case (map keys mostly) stay. */
function typed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(typed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), typed(v)]));
  return value;
}

/** JSON with sorted keys, so two values compare whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v));
}

const META = new Set(['//', 'depends_on']);
const probeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'typed-plan-'));
const probeStack = new TerraformStack(new App({ outdir: probeDir }), 'probe');
const resolver = new DefaultTokenResolver(new StringConcat());
let probes = 0;

/** The attribute `key` as the class synthesizes it from `config` alone. */
function roundTrip(Element: ElementClass, kind: 'provider' | 'resource' | 'data', type: string, key: string, config: Record<string, unknown>): unknown {
  const element = new Element(probeStack, `probe${probes++}`, config);
  const out = Tokenization.resolve(element.toTerraform(), { scope: probeStack, resolver }) as Record<string, Record<string, unknown>>;
  const block = out[kind]?.[type] as unknown;
  const attributes = (kind === 'provider' ? (block as Record<string, unknown>[])[0] : (block as Record<string, Record<string, unknown>>)[element.friendlyUniqueId]) ?? {};
  return attributes[key];
}

function split(Element: ElementClass, kind: 'provider' | 'resource' | 'data', type: string, json: Record<string, unknown>) {
  const config: Record<string, unknown> = {};
  const overrides: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    if (META.has(key)) continue;
    const candidate = typed(value);
    if (canonical(roundTrip(Element, kind, type, key, { [camel(key)]: candidate })) === canonical(value)) {
      config[camel(key)] = candidate;
    } else {
      overrides[key] = value;
    }
  }
  return { config, overrides };
}

/** A block without its `depends_on`, which the plan keeps as addresses (`dependsOn`). */
function withoutDependsOn(block: Record<string, unknown>): Record<string, unknown> {
  const { depends_on: _addresses, ...rest } = block;
  return rest;
}

function plan(source: string): Plan {
  const stacks = fs.readdirSync(path.join(source, 'stacks')).sort().map((name) => {
    const json = JSON.parse(fs.readFileSync(path.join(source, 'stacks', name, 'cdk.tf.json'), 'utf8')) as StackJson;
    const providers = Object.entries(json.provider ?? {}).flatMap(([type, configs]) =>
      configs.map((c) => ({ type, ...split(classOf(type, 'provider'), 'provider', type, c) })));
    const byAddress = new Map<string, { kind: ElementKind; type: string; id: string; json: Record<string, unknown> }>();
    for (const [kind, blocks] of [['resource', json.resource], ['data', json.data], ['ephemeral', json.ephemeral]] as const) {
      for (const [type, byName] of Object.entries(blocks ?? {})) {
        for (const [id, c] of Object.entries(byName)) byAddress.set(addressOf(kind, type, id), { kind, type, id, json: c });
      }
    }
    // Depth first, in the output's order: each element after what it depends on or references.
    const ordered: PlannedElement[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (address: string): void => {
      if (state.get(address) === 'done') return;
      if (state.get(address) === 'visiting') throw new Error(`reference cycle through ${address}`);
      state.set(address, 'visiting');
      const e = byAddress.get(address)!;
      const dependsOn = e.json.depends_on as string[] | undefined;
      const text = JSON.stringify(e.json);
      const referenced = [...text.matchAll(REFERENCE)].map((m) => m[1]).filter((a) => byAddress.has(a) && a !== address);
      for (const next of [...(dependsOn ?? []), ...referenced]) {
        if (!byAddress.has(next)) throw new Error(`${address} depends on ${next}, which is not in the stack`);
        visit(next);
      }
      const parts = e.kind === 'ephemeral' ? { config: withoutDependsOn(e.json), overrides: {} } : split(classOf(e.type, e.kind), e.kind, e.type, e.json);
      ordered.push({ kind: e.kind, type: e.type, id: e.id, ...parts, dependsOn, references: referenced.length > 0 });
      state.set(address, 'done');
    };
    for (const address of byAddress.keys()) visit(address);
    return { name, providers, elements: ordered, blocks: { terraform: json.terraform, variable: json.variable, output: json.output } };
  });
  return { stacks };
}

/** How many attributes the plan passes as typed config, and how many it keeps as overrides. */
function counts(p: Plan): { typed: number; overridden: number } {
  // Ephemeral resources are not counted: their blocks have no class to type them.
  const parts = p.stacks.flatMap((s) => [...s.providers, ...s.elements.filter((e) => e.kind !== 'ephemeral')]);
  const sum = (of: (x: PlannedProvider) => object): number => parts.reduce((n, x) => n + Object.keys(of(x)).length, 0);
  return { typed: sum((x) => x.config), overridden: sum((x) => x.overrides) };
}

try {
  const result = plan(process.env.BENCH_SOURCE!);
  fs.writeFileSync(process.env.BENCH_PLAN!, JSON.stringify(result));
  const { typed, overridden } = counts(result);
  process.stdout.write(`typed ${typed} attributes, ${overridden} kept as overrides\n`);
} finally {
  fs.rmSync(probeDir, { recursive: true, force: true });
}
