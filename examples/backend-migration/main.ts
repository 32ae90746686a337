import { App } from 'cdktf';
import { RegionStack } from '../../lib/constructs/region-stack';
import { MigrationPhase, migrationRegion } from './region';

// MIGRATION_PHASE=both-legs npx ts-node --transpile-only examples/backend-migration/main.ts
const phase = (process.env.MIGRATION_PHASE ?? MigrationPhase.BOTH_LEGS) as MigrationPhase;
if (!Object.values(MigrationPhase).includes(phase)) {
  throw new Error(`MIGRATION_PHASE: got ${JSON.stringify(phase)}; expected one of ${Object.values(MigrationPhase).join(', ')}`);
}
const app = new App();
new RegionStack(app, 'migration', migrationRegion(phase));
app.synth();
