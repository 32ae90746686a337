import { ENV_VAR } from '../model/names';
import { CLICKHOUSE_SERVER_VERSION } from '../clickhouse/versions';
import type { Host } from '../model/topology';
import { Problems } from '../model/validation';
import type { RenderedFile } from '../render/file';
import { BootSecretBinding, checkBootSecrets, renderFetchSecretsScript } from './boot-secrets';
import { CloudConfigFile, renderCloudConfig } from './cloud-config';
import { sessionManagerAgentCommand } from './session-manager';
import { checkStorageDisks, renderStorageDisksScript, StorageDisksOptions } from './storage-disks';

/** ClickHouse's official apt repository and the fingerprint of the key that signs it. */
export const CLICKHOUSE_APT_REPOSITORY = 'https://packages.clickhouse.com/deb';
export const CLICKHOUSE_SIGNING_KEY = '3A9EA1193A97B548BE1457D48919F6BD2B48D754';
/** The ClickHouse packages' signing key, over HTTPS (ClickHouse's install docs). */
export const CLICKHOUSE_SIGNING_KEY_URL = 'https://packages.clickhouse.com/rpm/lts/repodata/repomd.xml.key';
/** The ClickHouse release installed unless told otherwise (an LTS line). */
export const DEFAULT_CLICKHOUSE_VERSION = CLICKHOUSE_SERVER_VERSION;

export const CLICKHOUSE_CONFIG_ROOT = '/etc/clickhouse-server';
/** Secrets live on /run (tmpfs), outside the server's RuntimeDirectory, which systemd empties on every stop. */
export const SECRETS_ENV_FILE = '/run/clickhouse-secrets/env';
/** Environment that is not secret, e.g. the host's own S3 endpoint. */
export const HOST_ENV_FILE = '/etc/clickhouse-server/host.env';
const SBIN = '/usr/local/sbin';

/** Where a node group's shared files (remote_servers, schema, ...) are kept for hosts to sync at boot and every few minutes. */
export interface SharedConfigLocation {
  /** Bucket name (or a Terraform token of it). */
  readonly bucket: string;
  /** Key prefix without slashes at either end, e.g. `config/data`. Under it: `config.d/…`, `users.d/…`. */
  readonly prefix: string;
  /**
   * Minutes between syncs (ClickHouse reloads changed config.d files by itself).
   * @default 5
   */
  readonly refreshMinutes?: number;
}

export interface StorageHostUserDataProps {
  readonly host: Host;
  /** AWS region (for the CLI that reads secrets and config). */
  readonly region: string;
  /** @default DEFAULT_CLICKHOUSE_VERSION */
  readonly clickhouseVersion?: string;
  /**
   * Files that belong to this host alone (its macros), relative to /etc/clickhouse-server and
   * written by cloud-init. They must not change when the cluster grows: a change to user data
   * stops and starts the instance, which empties its instance-store hot tier.
   */
  readonly hostFiles: readonly RenderedFile[];
  /** Files the host's node group shares, synced from S3 (they change when shards, tiers or streams are added). */
  readonly sharedConfig: SharedConfigLocation;
  /** Secrets bound to the environment variables the config reads with `from_env`. */
  readonly secrets: readonly BootSecretBinding[];
  /**
   * Environment variables that are not secret (e.g. this host's S3 endpoint), written to
   * /etc/clickhouse-server/host.env. Values may hold Terraform tokens.
   * @default none
   */
  readonly environment?: Readonly<Record<string, string>>;
  readonly disks: StorageDisksOptions;
  /**
   * More files for this host alone, by absolute path (e.g. the backup timers of the replica that
   * runs its shard's backups). Like `hostFiles`, they must not change when the cluster grows.
   * @default none
   */
  readonly extraFiles?: readonly CloudConfigFile[];
  /**
   * systemd timers among `extraFiles` to enable and start with the server.
   * @default none
   */
  readonly extraTimers?: readonly string[];
}

const VERSION = /^\d+\.\d+\.\d+\.\d+$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const RELATIVE_CONFIG_PATH = /^(config\.d|users\.d)\/[A-Za-z0-9_.-]+\.(xml|yaml)$/;
const TOKEN_OR_BUCKET = /^([a-z0-9][a-z0-9.-]{1,61}[a-z0-9]|\$\{[^}'"\\\n]+\})$/;
const PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/** Every problem of a storage host's boot description. */
export function checkStorageHostUserData(problems: Problems, field: string, p: StorageHostUserDataProps): void {
  problems.check(p.host.role.isData, `${field}.host`, p.host.name, 'a storage (data) host');
  problems.check(REGION.test(p.region), `${field}.region`, p.region, 'an AWS region such as us-east-1');
  const version = p.clickhouseVersion ?? DEFAULT_CLICKHOUSE_VERSION;
  problems.check(VERSION.test(version), `${field}.clickhouseVersion`, version, 'a full ClickHouse version such as 25.8.8.26 (pinned, four numbers)');
  p.hostFiles.forEach((f, i) => problems.check(RELATIVE_CONFIG_PATH.test(f.path), `${field}.hostFiles[${i}].path`, f.path,
    'config.d/<name>.xml or users.d/<name>.xml'));
  problems.check(TOKEN_OR_BUCKET.test(p.sharedConfig.bucket), `${field}.sharedConfig.bucket`, p.sharedConfig.bucket, 'an S3 bucket name');
  problems.check(PREFIX.test(p.sharedConfig.prefix), `${field}.sharedConfig.prefix`, p.sharedConfig.prefix, 'a key prefix such as config/data');
  problems.count(`${field}.sharedConfig.refreshMinutes`, p.sharedConfig.refreshMinutes ?? 5, 1, 1440);
  checkBootSecrets(problems, `${field}.secrets`, p.secrets);
  for (const [name, value] of Object.entries(p.environment ?? {})) {
    problems.check(ENV_VAR.test(name), `${field}.environment`, name, 'an environment variable name (A-Z, 0-9, _)');
    problems.check(typeof value === 'string' && /^[^\n"'\\]*$/.test(value), `${field}.environment.${name}`, value, 'a value on one line without quotes or backslashes');
    problems.check(!p.secrets.some((s) => s.env === name), `${field}.environment.${name}`, name, 'a variable not also bound to a secret');
  }
  checkStorageDisks(problems, `${field}.disks`, p.disks);
}

/** The script that syncs the node group's shared files into config.d and users.d, leaving the host's own files alone. */
export function renderSyncConfigScript(p: Pick<StorageHostUserDataProps, 'region' | 'sharedConfig' | 'hostFiles'>): string {
  const source = `s3://${p.sharedConfig.bucket}/${p.sharedConfig.prefix}`;
  const excludes = (dir: string): string => p.hostFiles
    .filter((f) => f.path.startsWith(dir + '/'))
    .map((f) => ` --exclude '${f.path.slice(dir.length + 1)}'`).join('');
  return [
    '#!/bin/bash',
    '# Syncs the node group\'s shared ClickHouse files from S3; the server reloads changed config.d files by itself.',
    'set -euo pipefail',
    `export AWS_DEFAULT_REGION='${p.region}'`,
    ...['config.d', 'users.d'].map((dir) =>
      `install -d -m 0755 '${CLICKHOUSE_CONFIG_ROOT}/${dir}' && aws s3 sync --delete --only-show-errors${excludes(dir)} '${source}/${dir}/' '${CLICKHOUSE_CONFIG_ROOT}/${dir}/'`),
    '',
  ].join('\n');
}

function unit(lines: Record<string, readonly string[]>): string {
  return Object.entries(lines).map(([section, body]) => `[${section}]\n${body.join('\n')}\n`).join('\n');
}

/**
 * A storage host's cloud-config: ClickHouse from the official repository at a pinned version,
 * its disks (EBS data volume, NVMe RAID0 hot tier) prepared on every boot, secrets read from AWS
 * into an environment file, the host's own files written, the node group's shared files synced
 * from S3 (at boot and every few minutes), then the server started. Everything in it is stable
 * for the host's lifetime, so growing the cluster never changes it.
 */
export function renderStorageHostUserData(p: StorageHostUserDataProps): string {
  const problems = new Problems();
  checkStorageHostUserData(problems, 'storage host', p);
  problems.throwIfAny(`user data of ${p.host.name}`);
  const version = p.clickhouseVersion ?? DEFAULT_CLICKHOUSE_VERSION;
  const refresh = p.sharedConfig.refreshMinutes ?? 5;
  const units = '/etc/systemd/system';
  const oneshot = (description: string, exec: string, extra: readonly string[] = []): string => unit({
    Unit: [`Description=${description}`, 'Wants=network-online.target', 'After=network-online.target', ...extra],
    Service: ['Type=oneshot', 'RemainAfterExit=yes', `ExecStart=${exec}`],
  });
  const needs = ['clickhouse-storage.service', 'clickhouse-secrets.service', 'clickhouse-config.service'].join(' ');
  const files: CloudConfigFile[] = [
    // Keeps the package's postinst from starting the server before its disks, secrets and config exist.
    { path: '/usr/sbin/policy-rc.d', permissions: '0755', content: '#!/bin/sh\nexit 101\n' },
    { path: `${SBIN}/clickhouse-prepare-storage`, permissions: '0755', content: renderStorageDisksScript(p.disks) },
    { path: `${SBIN}/clickhouse-fetch-secrets`, permissions: '0700', content: renderFetchSecretsScript(p.secrets, p.region, SECRETS_ENV_FILE) },
    { path: `${SBIN}/clickhouse-sync-config`, permissions: '0755', content: renderSyncConfigScript(p) },
    { path: `${units}/clickhouse-storage.service`, content: oneshot('ClickHouse disks: EBS data volume and NVMe RAID0 hot tier', `${SBIN}/clickhouse-prepare-storage`) },
    { path: `${units}/clickhouse-secrets.service`, content: oneshot('ClickHouse secrets from AWS into /run', `${SBIN}/clickhouse-fetch-secrets`) },
    { path: `${units}/clickhouse-config.service`, content: oneshot('ClickHouse shared config from S3', `${SBIN}/clickhouse-sync-config`) },
    {
      path: `${units}/clickhouse-config-refresh.service`,
      content: unit({ Unit: ['Description=Refresh ClickHouse shared config from S3'], Service: ['Type=oneshot', `ExecStart=${SBIN}/clickhouse-sync-config`] }),
    },
    {
      path: `${units}/clickhouse-config-refresh.timer`,
      content: unit({
        Unit: ['Description=Refresh ClickHouse shared config from S3 periodically'],
        Timer: ['OnBootSec=5min', `OnUnitActiveSec=${refresh}min`],
        Install: ['WantedBy=timers.target'],
      }),
    },
    {
      path: `${units}/clickhouse-server.service.d/10-clickhouse-ingest.conf`,
      content: unit({ Unit: [`Requires=${needs}`, `After=${needs}`], Service: [`EnvironmentFile=${HOST_ENV_FILE}`, `EnvironmentFile=${SECRETS_ENV_FILE}`] }),
    },
    {
      path: HOST_ENV_FILE,
      content: Object.entries(p.environment ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}="${v}"\n`).join(''),
    },
    ...p.hostFiles.map((f) => ({ path: `${CLICKHOUSE_CONFIG_ROOT}/${f.path}`, content: f.content })),
    ...(p.extraFiles ?? []),
  ];
  return renderCloudConfig({
    aptConf: 'APT::Install-Recommends "false";\n',
    aptSources: {
      clickhouse: { source: `deb [signed-by=$KEY_FILE] ${CLICKHOUSE_APT_REPOSITORY} stable main`, keyUrl: CLICKHOUSE_SIGNING_KEY_URL, fingerprint: CLICKHOUSE_SIGNING_KEY },
    },
    packages: [
      ['clickhouse-common-static', version], ['clickhouse-server', version], ['clickhouse-client', version],
      'mdadm', 'xfsprogs', 'nvme-cli', 'awscli',
    ],
    writeFiles: files,
    runcmd: [
      ['rm', '-f', '/usr/sbin/policy-rc.d'],
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', 'clickhouse-server.service', 'clickhouse-config-refresh.timer', ...(p.extraTimers ?? [])],
      ['systemctl', 'start', 'clickhouse-server.service', 'clickhouse-config-refresh.timer', ...(p.extraTimers ?? [])],
      // Operator access: SSM Session Manager, never SSH.
      sessionManagerAgentCommand(p.region),
    ],
  });
}
