/**
 * `npm run rehearse -- <stack> [options]`: runs a synthesized stack's data path offline
 * (the default regions on their rehearsal topologies, any other stack from
 * cdktf.out/stacks/<stack>/artifacts/) and, with --drills, every registered drill and the schema
 * evolution drill. Exits non-zero when an event is missing or a field differs, naming the object that broke.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { buildTopology } from '../lib/model';
import type { RegionStackProps } from '../lib/constructs/region-stack';
import { bundleFromArtifacts, bundleFromTopology, RehearsalBundle } from '../lib/rehearsal/bundle';
import { DrillReport, formatDrill, runDrills } from '../lib/rehearsal/drills';
import '../lib/rehearsal/fault-drills';
import { rehearsalTopologySpec } from '../lib/rehearsal/rehearsal-topology';
import { checkArtifactsAgainstModel } from '../lib/rehearsal/static-checks';
import { EU_REGION } from '../stacks/eu';
import { US_REGION } from '../stacks/us';

/** The default regions, rehearsed on their rehearsal topologies. */
const REGIONS = { us: US_REGION, eu: EU_REGION } as const;
import { formatReport, rehearse } from '../lib/rehearsal/rehearse';
import { schemaEvolutionDrill } from '../lib/rehearsal/schema-evolution-drill';
import { buildRegionTopology } from '../lib/constructs/region-stack';
import { EVOLVING_REGION, EVOLVING_REGION_V2 } from '../examples/schema-evolution/region';

const USAGE = `usage: npm run rehearse -- <stack> [--stream NAME] [--events N] [--events-file TOPIC=FILE.jsonl ...] [--timeout SECONDS] [--drills] [--artifacts] [--out DIR]
  <stack>        us or eu (their rehearsal topologies, and their synthesized artifacts checked
                 against the model), or any synthesized stack (cdktf.out/stacks/<stack>/artifacts)
  --stream NAME  only this stream (and the ShuffleHog streams feeding it)
  --artifacts    rehearse the synthesized artifacts as they are, also for us/eu (every data host is an engine)
  --events N     events generated per source topic (default 20)
  --events-file  JSON lines to produce to a topic instead of generated events (repeatable)
  --timeout S    seconds to wait for events to land (default 90)
  --drills       also run the drills (pod replacement, backend migration, ShuffleHog, broker outage,
                 storage replicas, dead letters) on the stack, and the schema evolution drill
                 (examples/schema-evolution: v1 → v2 applied by the migration runner)
  --out DIR      synth output folder (default cdktf.out)`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'events': { type: 'string' },
      'events-file': { type: 'string', multiple: true },
      'timeout': { type: 'string' },
      'drills': { type: 'boolean' },
      'stream': { type: 'string' },
      'artifacts': { type: 'boolean' },
      'out': { type: 'string' },
      'help': { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length !== 1) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const stack = positionals[0];
  const dir = path.join(values.out ?? 'cdktf.out', 'stacks', stack, 'artifacts');
  const events: Record<string, string[]> = {};
  for (const spec of values['events-file'] ?? []) {
    const [topic, file] = spec.split('=');
    if (!topic || !file) throw new Error(`--events-file wants TOPIC=FILE, got ${spec}`);
    events[topic] = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  }
  const eventsPerTopic = values.events !== undefined ? Number(values.events) : undefined;
  const timeoutMs = values.timeout !== undefined ? Number(values.timeout) * 1000 : undefined;
  if ((eventsPerTopic !== undefined && !(eventsPerTopic >= 1)) || (timeoutMs !== undefined && !(timeoutMs > 0))) {
    console.error(USAGE);
    return 2;
  }
  const region = (REGIONS as Record<string, RegionStackProps | undefined>)[stack];
  let bundle: RehearsalBundle;
  let ok = true;
  if (region !== undefined && !values.artifacts) {
    // The synthesized region, checked statically; its rehearsal topology, run.
    if (fs.existsSync(path.join(dir, 'topology.json'))) {
      const problems = checkArtifactsAgainstModel(bundleFromArtifacts(dir));
      console.log(problems.length === 0
        ? `${stack}: ${dir} agrees with the model (remote_servers, ZooKeeper, macros, startup statements and boot migrations, Kafka tables, views, writable, read and dead-letter tables)`
        : `${stack}: ${dir} disagrees with the model:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      ok = problems.length === 0;
    } else console.log(`${stack}: ${dir} not found (run npm run synth to check the synthesized artifacts too)`);
    const spec = rehearsalTopologySpec(region);
    bundle = bundleFromTopology(buildTopology(spec), region.clickhouse);
    console.log(`${stack}: rehearsal topology ${spec.storage.shards} shards × ${spec.storage.replicas} replicas, ` +
      `${(spec.ingestionTiers ?? []).map((t) => `${String(typeof t.role === 'string' ? t.role : t.role.value)} ${t.nodes}`).join(', ')} nodes; partitions and consumers as declared`);
  } else bundle = bundleFromArtifacts(dir);
  const onProgress = (line: string): void => console.error(line);
  const report = await rehearse({ bundle, eventsPerTopic, events, timeoutMs, onProgress, stream: values.stream });
  console.log(formatReport(report));
  ok = ok && report.ok;
  if (values.drills) {
    const drills: DrillReport[] = await runDrills(bundle, { onProgress, timeoutMs, stream: values.stream });
    // A stack's own lock holds only what was deployed; the schema change is rehearsed on the example's two specs.
    drills.push(await schemaEvolutionDrill({ before: buildRegionTopology(EVOLVING_REGION), after: buildRegionTopology(EVOLVING_REGION_V2) }, { onProgress, timeoutMs }));
    for (const d of drills) console.log(formatDrill(d));
    ok = ok && drills.every((d) => d.ok);
  }
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
