import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nodeGroups, renderNodeGroupConfig, renderStorageHostConfig, requiredEnvironment } from '../../../lib/clickhouse';
import { NodeRole, Topology } from '../../../lib/model';
import { RenderedFile } from '../../../lib/render/file';

export interface RoleConfig {
  readonly files: RenderedFile[];
  /** Made-up values for every variable the config reads with from_env. */
  readonly env: Record<string, string>;
  /** Removes the scratch folders of a storage host's disks. */
  readonly cleanup: () => void;
}

/**
 * The config a node of the role loads, as lib/clickhouse renders it: the tier's group config, or
 * for DATA the first storage host's (with its macros), its disks in scratch folders and the S3
 * probe skipped (chdb cannot reach S3).
 */
export function roleConfig(topology: Topology, role: NodeRole): RoleConfig {
  const group = nodeGroups(topology).find((g) => g.role.value === role.value);
  if (group === undefined) throw new Error(`no node group for role ${role.value}`);
  const env: Record<string, string> = {};
  for (const name of requiredEnvironment(topology, group)) {
    // MSK-shaped broker hosts: the IAM mechanism reads the region from them. Nothing is reached.
    env[name] = name.startsWith('KAFKA_HOSTS_') ? 'b-1.test.abc123.c2.kafka.us-east-1.amazonaws.com:9098' : `test-value-of-${name.toLowerCase()}`;
  }
  if (group.kind === 'ingestion') return { files: renderNodeGroupConfig(topology, group), env, cleanup: () => undefined };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-disks-'));
  const files = renderStorageHostConfig(topology, topology.storage.hosts[0], {
    storagePaths: { root: `${scratch}/ebs/`, nvme: `${scratch}/nvme/` },
    coldStorage: { skipAccessCheck: true },
  });
  env.CLICKHOUSE_COLD_S3_ENDPOINT = 'http://127.0.0.1:9/cold/test/';
  return { files, env, cleanup: () => fs.rmSync(scratch, { recursive: true, force: true }) };
}
