import type { ZooKeeperNode } from '../model/topology';
import { Problems } from '../model/validation';
import { collectZooCfgProblems, renderMyId, renderZooCfg, resolveZooCfgOptions, ZooCfgOptions } from '../zookeeper/zoo-cfg';
import { renderCloudConfig } from './cloud-config';
import { checkStorageDisks, renderStorageDisksScript } from './storage-disks';

/** Debian's configuration alternative for ZooKeeper; ours sits beside the packaged example. */
export const ZOOKEEPER_CONF_DIR = '/etc/zookeeper/conf_clickhouse';

export interface ZooKeeperHostUserDataProps {
  /** The whole ensemble (every node's zoo.cfg lists all of them). */
  readonly ensemble: readonly ZooKeeperNode[];
  /** The node this user data boots. */
  readonly node: ZooKeeperNode;
  readonly zooCfg?: ZooCfgOptions;
  /** Device name of the EBS volume that holds dataDir, e.g. `/dev/sdf`. */
  readonly dataVolumeDevice: string;
}

/**
 * A ZooKeeper node's cloud-config: Debian's `zookeeperd`, the rendered zoo.cfg and myid as a
 * configuration alternative, dataDir on its own EBS volume (mounted before ZooKeeper on every
 * boot, with myid placed on it), then ZooKeeper started.
 */
export function renderZooKeeperHostUserData(p: ZooKeeperHostUserDataProps): string {
  const problems = new Problems();
  collectZooCfgProblems(problems, p.ensemble, p.zooCfg);
  problems.check(p.ensemble.some((n) => n.id === p.node.id), 'node', p.node.id, 'a node of the ensemble');
  const o = problems.empty ? resolveZooCfgOptions(p.ensemble, p.zooCfg) : undefined;
  const disks = { mounts: { data: o?.dataDir ?? '/var/lib/zookeeper' }, dataVolumeDevice: p.dataVolumeDevice, owner: 'zookeeper' };
  checkStorageDisks(problems, 'zookeeper', disks);
  problems.throwIfAny(`user data of ZooKeeper node ${p.node.id}`);
  const dataDir = o!.dataDir;
  const disksScript = renderStorageDisksScript({
    ...disks,
    // The data volume hides whatever was at dataDir before it was mounted: put myid on it.
    afterMount: [`install -m 0644 -o zookeeper -g zookeeper '${ZOOKEEPER_CONF_DIR}/myid' '${dataDir}/myid'`],
  });
  const units = '/etc/systemd/system';
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
    ],
  });
}
