import { EVOLVING_REGION, EVOLVING_REGION_V2 } from '../../examples/schema-evolution/region';
import { buildRegionTopology } from '../../lib/constructs/region-stack';
import { formatDrill } from '../../lib/rehearsal/drills';
import { schemaEvolutionDrill } from '../../lib/rehearsal/schema-evolution-drill';
import { withKcat } from './support';

describe('schema evolution drill (events flowing throughout)', () => {
  withKcat('v1 deployed, v2 applied by the runner: the new column filled, the new stream landing, the retired leg idle, every event once', async () => {
    const report = await schemaEvolutionDrill({ before: buildRegionTopology(EVOLVING_REGION), after: buildRegionTopology(EVOLVING_REGION_V2) });
    console.log(formatDrill(report));
    expect(report.skipped).toBeUndefined();
    expect(report.details.join('\n')).not.toContain('error:');
    expect(report.ok).toBe(true);
    // The counts it printed are the ones it checked.
    expect(report.details.find((d) => d.includes('] retired leg'))).toMatch(/10 events produced after retirement, 0 landed/);
    expect(report.details).toContainEqual(expect.stringContaining('every produced event landed'));
    // Every v2 event that carried the new column has it in storage; the read-side table and the dead letters were checked too.
    expect(report.details.find((d) => d.includes('] new column'))).toMatch(/set on (\d+) rows for \d+ v2 events, \1 of them with a value for it/);
    expect(report.details.find((d) => d.includes('] read-side table'))).toMatch(/orders: has column referrer/);
    expect(report.details.find((d) => d.includes('] dead letters'))).toMatch(/: 0$/);
  }, 240_000);
});
