import * as fs from 'fs';
import * as path from 'path';
import { TerraformStack } from 'cdktf';
import type { ISynthesisSession, IStackSynthesizer } from 'cdktf/lib/synthesize/types';
import { ClickHouseConfigOptions, nodeGroups, renderHostMacros, renderNodeGroupConfig, STORAGE_GROUP_NAME } from '../clickhouse';
import { RegionLock } from '../lock/region-lock';
import { RegionLockFile } from '../lock/region-lock-file';
import { Topology } from '../model';
import { instanceStoreDevices, renderAnsibleInventory } from '../render/ansible-inventory';
import { ARTIFACTS_DIR, assembleArtifacts, helmValuesArtifacts, underFolder } from '../render/artifacts';
import { RenderedFile } from '../render/file';
import { ArtifactNodeGroup } from '../render/topology-json';
import { renderTopologyMarkdown } from '../render/topology-md';
import { migrationFiles, renderStartupScripts } from '../schema';
import { Observability } from './observability';
import { StatelessIngestionTier } from './stateless-ingestion-tier';
import { ZooKeeper } from './zookeeper';

/** The files rendered once from a region's model and constructs; `topology.json` is added with the Helm values at synth. */
export interface ModelArtifacts {
  readonly files: RenderedFile[];
  readonly sqlByRole: Record<string, string[]>;
  readonly nodeGroupIndex: ArtifactNodeGroup[];
}

/** What a region's model artifacts are rendered from. */
export interface ModelArtifactSources {
  readonly topology: Topology;
  readonly clickhouse?: ClickHouseConfigOptions;
  readonly ingestionTiers: Readonly<Record<string, StatelessIngestionTier>>;
  readonly zooKeeper: ZooKeeper;
  readonly observability: Observability;
  /** NVMe instance-store devices per storage host, as the StorageCluster assembles them. */
  readonly raidDeviceCount: number;
}

/** A stack whose synth also writes `artifacts/`. */
export interface ArtifactSource {
  /** Every artifact but the Helm values, which are read back from the synthesized Terraform. */
  renderArtifacts(helmReleases: readonly string[]): RenderedFile[];
  /** The next region lock, written back to the lock file once everything else is written. */
  readonly evolution: { readonly lock: RegionLock };
}

/**
 * A region's artifacts rendered from its model: ClickHouse config and SQL per node group, zoo.cfg,
 * the Ansible inventory, topology.md and the observability files. Pure: no file is written.
 */
export function renderModelArtifacts(sources: ModelArtifactSources): ModelArtifacts {
  const topology = sources.topology;
  const options = sources.clickhouse ?? {};
  const groups = nodeGroups(topology);
  // One folder per distinct node configuration: the storage hosts share one apart from their
  // macros, which go under clickhouse/data/hosts/<host>/; each ingestion tier has its own,
  // taken from its installation so the folder is exactly what the pods load.
  const clickhouse = groups.flatMap((g) => underFolder(`clickhouse/${g.name}`, g.kind === 'ingestion'
    ? Object.entries(sources.ingestionTiers[g.role.value].installation.spec.configuration.files).map(([path, content]) => ({ path, content }))
    : [...renderNodeGroupConfig(topology, g, options), renderStartupScripts(topology, g.role)]));
  const macros = topology.storage.hosts.map((h) => {
    const file = renderHostMacros(topology, h, options);
    return { path: `clickhouse/${STORAGE_GROUP_NAME}/hosts/${h.name}/${file.path}`, content: file.content };
  });
  const sql = migrationFiles(topology);
  const sqlByRole: Record<string, string[]> = {};
  for (const f of sql) {
    const [, role, file] = f.path.split('/');
    (sqlByRole[role] ??= []).push(file);
  }
  const nodeGroupIndex = groups.map((g) => ({ name: g.name, roles: [g.role.value], hosts: g.hosts.map((h) => h.name) }));
  const files = [
    ...clickhouse,
    ...macros,
    ...sql,
    { path: 'zookeeper/zoo.cfg', content: sources.zooKeeper.zooCfg },
    renderAnsibleInventory(topology, { raidVolumes: instanceStoreDevices(sources.raidDeviceCount) }),
    renderTopologyMarkdown(topology),
    ...sources.observability.renderArtifacts(),
  ];
  return { files, sqlByRole, nodeGroupIndex };
}

/**
 * Wraps a stack's synthesizer: after `cdk.tf.json` is written, writes `artifacts/` beside it. The
 * folder is built in a temporary sibling and swapped in whole, so a failure never leaves a
 * half-written or stale mix; `cdktf synth`, `app.synth()` and `Testing.fullSynth` all go through here.
 */
export class ArtifactSynthesizer implements IStackSynthesizer {
  constructor(private readonly inner: IStackSynthesizer, private readonly stack: TerraformStack & ArtifactSource, private readonly lock?: RegionLockFile) {}

  public synthesize(session: ISynthesisSession): void {
    this.inner.synthesize(session);
    const stackManifest = session.manifest.forStack(this.stack);
    const config = JSON.parse(fs.readFileSync(path.join(session.outdir, stackManifest.synthesizedStackPath), 'utf8'));
    const helm = helmValuesArtifacts(config);
    const files = assembleArtifacts([...this.stack.renderArtifacts(helm.map((f) => f.path)), ...helm]);
    writeFolder(path.join(session.outdir, stackManifest.workingDirectory, ARTIFACTS_DIR), files);
    // The committed lock last: only a synth that wrote everything updates it.
    this.lock?.write(this.stack.evolution.lock);
  }
}

function writeFolder(dir: string, files: readonly RenderedFile[]): void {
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const made = new Set<string>();
    for (const f of files) {
      const target = path.join(staging, ...f.path.split('/'));
      const parent = path.dirname(target);
      // Each folder once: hundreds of files share a few dozen folders.
      if (!made.has(parent)) fs.mkdirSync(parent, { recursive: true });
      made.add(parent);
      fs.writeFileSync(target, f.content);
    }
    fs.mkdirSync(staging, { recursive: true });
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
