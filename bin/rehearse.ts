/**
 * `npm run rehearse -- <stack> [options]`: runs a synthesized stack's data path offline
 * (cdktf.out/stacks/<stack>/artifacts/) and, with --drills, the pod-replacement, backend-migration
 * and ShuffleHog drills, and the schema evolution drill. Exits non-zero when an event is missing, naming the object that broke.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { bundleFromArtifacts } from '../lib/rehearsal/bundle';
import { DrillReport, formatDrill, runDrills } from '../lib/rehearsal/drills';
import { formatReport, rehearse } from '../lib/rehearsal/rehearse';
import { schemaEvolutionDrill } from '../lib/rehearsal/schema-evolution-drill';
import { buildRegionTopology } from '../lib/region-stack';
import { EVOLVING_REGION, EVOLVING_REGION_V2 } from '../examples/schema-evolution/region';

const USAGE = `usage: npm run rehearse -- <stack> [--events N] [--events-file TOPIC=FILE.jsonl ...] [--timeout SECONDS] [--drills] [--out DIR]
  <stack>        a synthesized stack (cdktf.out/stacks/<stack>/artifacts), e.g. us
  --events N     events generated per source topic (default 20)
  --events-file  JSON lines to produce to a topic instead of generated events (repeatable)
  --timeout S    seconds to wait for events to land (default 90)
  --drills       also run the pod replacement, backend migration and ShuffleHog drills on the stack, and the
                 schema evolution drill (examples/schema-evolution: v1 → v2 applied by the migration runner)
  --out DIR      synth output folder (default cdktf.out)`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'events': { type: 'string' },
      'events-file': { type: 'string', multiple: true },
      'timeout': { type: 'string' },
      'drills': { type: 'boolean' },
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
  const bundle = bundleFromArtifacts(dir);
  const onProgress = (line: string): void => console.error(line);
  const report = await rehearse({ bundle, eventsPerTopic, events, timeoutMs, onProgress });
  console.log(formatReport(report));
  let ok = report.ok;
  if (values.drills) {
    const drills: DrillReport[] = await runDrills(bundle, { onProgress, timeoutMs });
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
