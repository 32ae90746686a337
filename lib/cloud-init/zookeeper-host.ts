import type { ZooKeeperNode } from '../model/topology';
import { Problems } from '../model/validation';
import { collectZooCfgProblems, renderMyId, renderZooCfg, resolveZooCfgOptions, ZooCfgOptions } from '../zookeeper/zoo-cfg';
import { checkCreateZnodes, renderCreateZnodesScript } from '../zookeeper/znodes';
import { renderCloudConfig } from './cloud-config';
import { sessionManagerAgentCommand } from './session-manager';
import { zooKeeperExporterFiles, ZOOKEEPER_EXPORTER_UNIT } from '../observability/host-files';
import { checkStorageDisks, renderStorageDisksScript } from './storage-disks';

/** The unit that creates ClickHouse's znodes (its chroot) once the ensemble has quorum. */
export const CLICKHOUSE_ZNODES_UNIT = 'clickhouse-zookeeper-root.service';

/** Debian's configuration alternative for ZooKeeper; ours sits beside the packaged example. */
export const ZOOKEEPER_CONF_DIR = '/etc/zookeeper/conf_clickhouse';

const ZNODES_SCRIPT = '/usr/local/sbin/zookeeper-create-clickhouse-root';

export interface ZooKeeperHostUserDataProps {
  /** The whole ensemble (every node's zoo.cfg lists all of them). */
  readonly ensemble: readonly ZooKeeperNode[];
  /** The node this user data boots. */
  readonly node: ZooKeeperNode;
  readonly zooCfg?: ZooCfgOptions;
  /** Device name of the EBS volume that holds dataDir, e.g. `/dev/sdf`. */
  readonly dataVolumeDevice: string;
  /**
   * Znodes to create, parents first, once the ensemble has quorum: ClickHouse's root
   * (`zookeeperRootZnodes(topology)`), which it refuses to run without. Every node runs the same
   * idempotent unit on every boot, so whichever reaches quorum first creates them.
   * @default none
   */
  readonly createZnodes?: readonly string[];
  /**
   * AWS region of the host: the SSM agent is installed from that region's bucket (Session Manager access).
   * @default - no SSM agent
   */
  readonly region?: string;
}

/**
 * A ZooKeeper node's cloud-config: Debian's `zookeeperd`, the rendered zoo.cfg and myid as a
 * configuration alternative, dataDir on its own EBS volume (mounted before ZooKeeper on every
 * boot, with myid placed on it), then ZooKeeper started, and ClickHouse's root znodes created
 * once the ensemble has quorum.
 */
export function renderZooKeeperHostUserData(p: ZooKeeperHostUserDataProps): string {
  const problems = new Problems();
  collectZooCfgProblems(problems, p.ensemble, p.zooCfg);
  problems.check(p.ensemble.some((n) => n.id === p.node.id), 'node', p.node.id, 'a node of the ensemble');
  const o = problems.empty ? resolveZooCfgOptions(p.ensemble, p.zooCfg) : undefined;
  const disks = { mounts: { data: o?.dataDir ?? '/var/lib/zookeeper' }, dataVolumeDevice: p.dataVolumeDevice, owner: 'zookeeper' };
  checkStorageDisks(problems, 'zookeeper', disks);
  const znodes = p.createZnodes ?? [];
  const createZnodes = { znodes, server: `localhost:${o?.clientPort ?? 2181}` };
  if (znodes.length > 0) checkCreateZnodes(problems, 'zookeeper.createZnodes', createZnodes);
  problems.throwIfAny(`user data of ZooKeeper node ${p.node.id}`);
  const dataDir = o!.dataDir;
  const disksScript = renderStorageDisksScript({
    ...disks,
    // The data volume hides whatever was at dataDir before it was mounted: put myid on it.
    afterMount: [`install -m 0644 -o zookeeper -g zookeeper '${ZOOKEEPER_CONF_DIR}/myid' '${dataDir}/myid'`],
  });
  const units = '/etc/systemd/system';
  const znodeFiles = znodes.length === 0 ? [] : [
    { path: ZNODES_SCRIPT, permissions: '0755', content: renderCreateZnodesScript(createZnodes) },
    {
      path: `${units}/${CLICKHOUSE_ZNODES_UNIT}`,
      // The script waits for quorum itself (the other nodes may still be booting); a restart covers a longer wait.
      content: '[Unit]\nDescription=ClickHouse root znodes in ZooKeeper\nWants=zookeeper.service\nAfter=zookeeper.service\n\n' +
        `[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=${ZNODES_SCRIPT}\nRestart=on-failure\nRestartSec=30\n\n` +
        '[Install]\nWantedBy=multi-user.target\n',
    },
  ];
  return renderCloudConfig({
    aptConf: 'APT::Install-Recommends "false";\n',
    packages: ['zookeeperd', 'xfsprogs', 'nvme-cli'],
    writeFiles: [
      { path: '/usr/sbin/policy-rc.d', permissions: '0755', content: '#!/bin/sh\nexit 101\n' },
      { path: `${ZOOKEEPER_CONF_DIR}/zoo.cfg`, content: renderZooCfg(p.ensemble, p.zooCfg) },
      { path: `${ZOOKEEPER_CONF_DIR}/myid`, content: renderMyId(p.node) },
      { path: '/usr/local/sbin/zookeeper-prepare-storage', permissions: '0755', content: disksScript },
      {
        path: `${units}/zookeeper-storage.service`,
        content: '[Unit]\nDescription=ZooKeeper dataDir on its EBS volume\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\n' +
          'ExecStart=/usr/local/sbin/zookeeper-prepare-storage\n',
      },
      {
        path: `${units}/zookeeper.service.d/10-storage.conf`,
        content: '[Unit]\nRequires=zookeeper-storage.service\nAfter=zookeeper-storage.service\n',
      },
      ...znodeFiles,
      ...zooKeeperExporterFiles({ clientPort: o!.clientPort, dataDir, dataLogDir: o!.dataLogDir }),
    ],
    runcmd: [
      ['rm', '-f', '/usr/sbin/policy-rc.d'],
      // Debian reads environment and log4j settings from the active configuration directory too.
      ['cp', '-n', '/etc/zookeeper/conf_example/environment', '/etc/zookeeper/conf_example/log4j.properties', `${ZOOKEEPER_CONF_DIR}/`],
      ['update-alternatives', '--install', '/etc/zookeeper/conf', 'zookeeper-conf', ZOOKEEPER_CONF_DIR, '100'],
      ['update-alternatives', '--set', 'zookeeper-conf', ZOOKEEPER_CONF_DIR],
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', 'zookeeper'],
      ['systemctl', 'restart', 'zookeeper'],
      ['systemctl', 'enable', '--now', ZOOKEEPER_EXPORTER_UNIT],
      // Not waited for: the first node up would otherwise hold its boot until the others join.
      ...(znodes.length === 0 ? [] : [['systemctl', 'enable', CLICKHOUSE_ZNODES_UNIT], ['systemctl', 'start', '--no-block', CLICKHOUSE_ZNODES_UNIT]]),
      ...(p.region !== undefined ? [sessionManagerAgentCommand(p.region)] : []),
    ],
  });
}
