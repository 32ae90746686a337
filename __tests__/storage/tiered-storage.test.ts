/**
 * Tiered storage in use: a stream's data table, as DATA renders it, with its retention's TTL moves
 * on the rendered `tiered` policy, in chdb. The policy's three disks are local folders here: the
 * hot and warm disks are local disks in production too, and the cold S3 disk is swapped for a
 * local one (chdb reaches no S3). The test checks statically that the stand-in keeps the rendered
 * disk names, volumes and their order, then shows parts moving between disks in system.parts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildTopology, DataEngine, KafkaBackendKind, NodeRole } from '../../lib/model';
import { renderStorageConfiguration, STORAGE_DISKS, STORAGE_VOLUMES, TIERED_STORAGE_POLICY } from '../../lib/clickhouse';
import { dataTableStatement, retentionTtl } from '../../lib/schema';
import { TestEngine } from '../support/engine';

const topology = buildTopology({
  name: 'tt', availabilityZones: ['us-east-1a'], storage: { shards: 1, replicas: 1 },
  ingestionTiers: [{ role: NodeRole.SMALL, nodes: 1 }],
  kafkaBackends: [{ name: 'msk_cluster', kind: KafkaBackendKind.MSK, topics: [{ name: 'clicks', partitions: 1 }] }],
  streams: [{
    name: 'clicks', columns: [{ name: 'team_id', type: 'Int64' }, { name: 'label', type: 'String' }],
    orderBy: ['team_id', 'label'], engine: DataEngine.replicatedMergeTree(),
    retention: { hotDays: 1, warmDays: 1, deleteAfterDays: 5 },
    legs: [{ backend: 'msk_cluster', topic: 'clicks', roles: [NodeRole.SMALL] }],
  }],
});
const stream = topology.streams[0];

describe('tiered storage: TTL moves parts hot → warm → cold, then deletes', () => {
  let dir: string;
  let engine: TestEngine;
  let storageXml: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiered-'));
    const rendered = renderStorageConfiguration({ storagePaths: { root: `${dir}/root/`, nvme: `${dir}/nvme/` }, coldStorage: { endpoint: 'https://b.s3.us-east-1.amazonaws.com/ch/tt/' } });
    // The stand-in: the cold disk keeps its name and its volume, on a local folder instead of S3.
    storageXml = rendered.content.replace(/<s3_cold>[\s\S]*?<\/s3_cold>/, `<s3_cold><type>local</type><path>${dir}/cold/</path></s3_cold>`);
    fs.mkdirSync(`${dir}/cold`, { recursive: true });
    engine = await TestEngine.open([{ path: rendered.path, content: storageXml }]);
    await engine.exec('CREATE DATABASE posthog');
    await engine.exec(dataTableStatement(topology, stream, { replicated: false }).sql);
    // One part per insert: no merge may join parts of different ages.
    await engine.exec(`SYSTEM STOP MERGES posthog.${stream.dataTable}`);
  }, 60_000);

  afterAll(async () => {
    await engine?.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the stand-in keeps the rendered policy: same disks, same volumes, same order', async () => {
    const volumes = await engine.rows<{ volume_name: string; disks: string[] }>(
      `SELECT volume_name, disks FROM system.storage_policies WHERE policy_name = '${TIERED_STORAGE_POLICY}' ORDER BY volume_priority`);
    expect(volumes).toEqual([
      { volume_name: STORAGE_VOLUMES[0], disks: [STORAGE_DISKS.hot] },
      { volume_name: STORAGE_VOLUMES[1], disks: [STORAGE_DISKS.warm] },
      { volume_name: STORAGE_VOLUMES[2], disks: [STORAGE_DISKS.cold] },
    ]);
    // Only the cold disk's type differs from what the hosts load.
    expect(storageXml.replace(/<s3_cold>[\s\S]*?<\/s3_cold>/, '')).toBe(renderStorageConfiguration({
      storagePaths: { root: `${dir}/root/`, nvme: `${dir}/nvme/` }, coldStorage: { endpoint: 'https://b.s3.us-east-1.amazonaws.com/ch/tt/' },
    }).content.replace(/<s3_cold>[\s\S]*?<\/s3_cold>/, ''));
  });

  test('the data table uses the tiered policy with the stream\'s TTL', async () => {
    expect(await engine.value(`SELECT storage_policy FROM system.tables WHERE database = 'posthog' AND name = '${stream.dataTable}'`)).toBe(TIERED_STORAGE_POLICY);
    const create = await engine.value(`SELECT create_table_query FROM system.tables WHERE database = 'posthog' AND name = '${stream.dataTable}'`);
    expect(retentionTtl(stream)).toEqual([
      "_timestamp + INTERVAL 1 DAY TO VOLUME 'warm'", "_timestamp + INTERVAL 2 DAY TO VOLUME 'cold'", '_timestamp + INTERVAL 5 DAY DELETE',
    ]);
    expect(create).toContain("TTL _timestamp + toIntervalDay(1) TO VOLUME 'warm', _timestamp + toIntervalDay(2) TO VOLUME 'cold', _timestamp + toIntervalDay(5)");
  });

  test('a part moves from the NVMe disk to EBS when its hot days pass, and on to the cold disk', async () => {
    const disk = async (label: string): Promise<string> => engine.value(
      `SELECT disk_name FROM system.parts WHERE database = 'posthog' AND table = '${stream.dataTable}' AND active AND name IN ` +
      `(SELECT _part FROM posthog.${stream.dataTable} WHERE label = '${label}')`);
    const insert = (label: string, ageSeconds: number): Promise<void> => engine.exec(
      `INSERT INTO posthog.${stream.dataTable} (team_id, label, _timestamp, _offset, _partition) VALUES (1, '${label}', now() - ${ageSeconds}, 0, 0)`);
    const day = 86_400;
    // Fresh: hot. Its hot day ends 3 s after the insert.
    await insert('turning-warm', day - 3);
    await insert('fresh', 0);
    expect(await disk('fresh')).toBe(STORAGE_DISKS.hot);
    expect(await disk('turning-warm')).toBe(STORAGE_DISKS.hot);
    // The background mover takes it to EBS once the TTL passes.
    expect(await engine.waitFor(`SELECT count() = 1 FROM system.parts WHERE database = 'posthog' AND table = '${stream.dataTable}' AND active AND disk_name = '${STORAGE_DISKS.warm}'`, 30_000, 250)).toBe(true);
    expect(await disk('turning-warm')).toBe(STORAGE_DISKS.warm);
    expect(await disk('fresh')).toBe(STORAGE_DISKS.hot);

    // Past its warm days: the cold volume refuses TTL moves on insert (an insert must not wait on S3),
    // so the part lands on a local disk and the mover takes it to the cold disk.
    await insert('cold', 2 * day + 60);
    expect(await engine.waitFor(`SELECT count() = 1 FROM system.parts WHERE database = 'posthog' AND table = '${stream.dataTable}' AND active AND disk_name = '${STORAGE_DISKS.cold}'`, 30_000, 250)).toBe(true);
    expect(await disk('cold')).toBe(STORAGE_DISKS.cold);
    const moves = await engine.value(`SELECT count() FROM system.part_log WHERE table = '${stream.dataTable}' AND event_type = 'MovePart'`).catch(() => 'no part_log');
    expect(moves === 'no part_log' || Number(moves) >= 2).toBe(true);

    // Past deleteAfterDays: the TTL deletes the rows.
    await insert('expired', 6 * day);
    // A TTL delete is a merge: let merges run again.
    await engine.exec(`SYSTEM START MERGES posthog.${stream.dataTable}`);
    await engine.exec(`ALTER TABLE posthog.${stream.dataTable} MATERIALIZE TTL SETTINGS mutations_sync = 2`);
    expect(await engine.value(`SELECT groupArray(label) FROM (SELECT label FROM posthog.${stream.dataTable} ORDER BY label)`)).toBe("['cold','fresh','turning-warm']");
  }, 90_000);
});
