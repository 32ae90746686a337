import { EVOLVING_REGION, EVOLVING_REGION_V2 } from '../../examples/schema-evolution/region';
import { buildRegionTopology } from '../../lib/region-stack';
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
  }, 240_000);
});
