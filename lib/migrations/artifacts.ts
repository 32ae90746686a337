/**
 * The review surface of a region's evolution: `artifacts/region.lock.json` (the lock synth wrote),
 * and `artifacts/migrations/NNNN_<what it does>/NN_<phase>_<role>.sql`, one file per phase and role
 * in the order the runner applies them, plus the deploy Jobs' scripts (`migrations/runner-storage.sh`
 * before the tiers roll, `migrations/runner.sh` after). Pure.
 */
import { NodeRole } from '../model/node-role';
import { Topology } from '../model/topology';
import { RenderedFile } from '../render/file';
import { LockedMigration, PHASE_ORDER, RegionLock, renderRegionLock } from '../lock/region-lock';
import { migrationSlug } from './plan';
import { bootScripts } from './runner';

export const REGION_LOCK_ARTIFACT = 'region.lock.json';

/** `migrations/0002_events_add_column_referrer/01_storage_data.sql`, ... in run order. */
export function migrationArtifacts(migrations: readonly LockedMigration[], runnerScripts: Readonly<Record<string, string>> = {}): RenderedFile[] {
  const files: RenderedFile[] = [];
  for (const m of migrations) {
    let n = 0;
    for (const phase of PHASE_ORDER) {
      const roles = [...new Set(m.steps.filter((s) => s.phase === phase).map((s) => s.role))];
      for (const role of roles) {
        const steps = m.steps.filter((s) => s.phase === phase && s.role === role);
        const body = steps.map((s) => `-- ${s.id}: ${s.does}\n${s.sql};\n`).join('\n');
        files.push({ path: `migrations/${migrationSlug(m)}/${String(++n).padStart(2, '0')}_${phase}_${role}.sql`, content: body });
      }
    }
  }
  for (const [name, content] of Object.entries(runnerScripts)) files.push({ path: `migrations/${name}`, content });
  return files;
}

export function regionLockArtifact(lock: RegionLock): RenderedFile {
  return { path: REGION_LOCK_ARTIFACT, content: renderRegionLock(lock) };
}

/**
 * The topology with each ingestion role's boot scripts set: pods apply pending migrations at
 * every boot. Storage hosts get none: a Replicated ALTER reaches a replica that was down through
 * ZooKeeper's replication log, and the deploy Job refuses to start while a storage host is away.
 */
export function withBootMigrations(topology: Topology, migrations: readonly LockedMigration[]): Topology {
  if (migrations.length === 0) return topology;
  const scripts: Record<string, ReturnType<typeof bootScripts>> = {};
  for (const tier of topology.ingestionTiers) {
    if (tier.role.value === NodeRole.DATA.value) continue;
    const s = bootScripts(migrations, tier.role.value, topology.database);
    if (s.length > 0) scripts[tier.role.value] = s;
  }
  return Object.keys(scripts).length === 0 ? topology : { ...topology, bootScripts: scripts };
}
