/**
 * The topics Job's script and the storage hosts' apt-key bootcmd, run by bash against stand-ins
 * for the tools they call (Kafka's CLI, curl, gpg): the decisions the scripts make (create, grow,
 * refuse to shrink, set retention; accept or refuse a key) are exercised for real. The Kafka CLI
 * itself is not available here, so its flags are checked as text against Apache Kafka 3.8's usage.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { renderCloudConfig } from '../../lib/cloud-init/cloud-config';
import { kafkaToolsClientProperties, renderTopicsScript } from '../../lib/kubernetes/kafka-topics';
import { KafkaAuth } from '../../lib/model/spec';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'topics-job-'));
  dirs.push(d);
  return d;
}

function executable(file: string, body: string): void {
  fs.writeFileSync(file, `#!/bin/bash\n${body}\n`, { mode: 0o755 });
}

/**
 * A stand-in kafka-topics.sh / kafka-configs.sh over a folder of topics (`<name>` holds the
 * partition count): logs every call, creates, describes and alters as the real tools would.
 */
function fakeKafka(existing: Record<string, number>): { bin: string; log: string; topics: string } {
  const dir = tempDir();
  const bin = path.join(dir, 'bin');
  const topics = path.join(dir, 'topics');
  fs.mkdirSync(bin);
  fs.mkdirSync(topics);
  for (const [name, partitions] of Object.entries(existing)) fs.writeFileSync(path.join(topics, name), String(partitions));
  const log = path.join(dir, 'calls.log');
  executable(path.join(bin, 'kafka-topics.sh'), `echo "topics $*" >> '${log}'
args=("$@"); op=""; topic=""; partitions=""
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[i]}" in --create|--describe|--alter) op="\${args[i]}";; --topic) topic="\${args[i+1]}";; --partitions) partitions="\${args[i+1]}";; esac
done
f='${topics}'/"$topic"
case "$op" in
  --create) [ -e "$f" ] || echo "$partitions" > "$f";;
  --describe) echo "Topic: $topic	TopicId: x	PartitionCount: $(cat "$f")	ReplicationFactor: 3	Configs: ";;
  --alter) echo "$partitions" > "$f";;
esac`);
  executable(path.join(bin, 'kafka-configs.sh'), `echo "configs $*" >> '${log}'`);
  return { bin, log, topics };
}

function runTopics(existing: Record<string, number>, topics: { name: string; partitions: number; retentionHours?: number }[]):
  { status: number | null; stderr: string; calls: string[]; partitions: Record<string, number> } {
  const kafka = fakeKafka(existing);
  const script = renderTopicsScript({ name: 'msk_cluster', auth: KafkaAuth.SASL_IAM, topics }).replace('bin=/opt/kafka/bin', `bin='${kafka.bin}'`);
  expect(script).toContain(`bin='${kafka.bin}'`);
  const result = spawnSync('bash', ['-c', script], { env: { PATH: process.env.PATH, BOOTSTRAP: 'b-1:9098' }, encoding: 'utf8' });
  const calls = fs.existsSync(kafka.log) ? fs.readFileSync(kafka.log, 'utf8').trim().split('\n') : [];
  const partitions = Object.fromEntries(fs.readdirSync(kafka.topics).map((t) => [t, Number(fs.readFileSync(path.join(kafka.topics, t), 'utf8'))]));
  return { status: result.status, stderr: result.stderr, calls, partitions };
}

describe('topics Job script', () => {
  test('creates missing topics with the declared partitions and retention, through the bootstrap and client config', () => {
    const r = runTopics({}, [{ name: 'clickhouse_groups', partitions: 16 }, { name: 'clickhouse_heatmaps', partitions: 64, retentionHours: 24 }]);
    expect(r.status).toBe(0);
    expect(r.partitions).toEqual({ clickhouse_groups: 16, clickhouse_heatmaps: 64 });
    expect(r.calls).toContainEqual('topics --bootstrap-server b-1:9098 --command-config /tmp/client.properties --create --if-not-exists '
      + '--topic clickhouse_heatmaps --partitions 64 --config retention.ms=86400000');
    expect(r.calls).toContainEqual('configs --bootstrap-server b-1:9098 --command-config /tmp/client.properties --alter --entity-type topics '
      + '--entity-name clickhouse_groups --add-config retention.ms=604800000');
  });

  test('grows an existing topic to the declared partitions', () => {
    const r = runTopics({ clickhouse_groups: 8 }, [{ name: 'clickhouse_groups', partitions: 16 }]);
    expect(r.status).toBe(0);
    expect(r.partitions.clickhouse_groups).toBe(16);
    expect(r.calls.some((c) => c.includes('--alter --topic clickhouse_groups --partitions 16'))).toBe(true);
  });

  test('refuses a topic with more partitions than declared (partitions never shrink)', () => {
    const r = runTopics({ clickhouse_groups: 32 }, [{ name: 'clickhouse_groups', partitions: 16 }]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('has 32 partitions, more than the 16 declared');
    expect(r.partitions.clickhouse_groups).toBe(32);
  });

  test('client properties per auth mode', () => {
    expect(kafkaToolsClientProperties(KafkaAuth.SASL_IAM)).toContain('sasl.mechanism=AWS_MSK_IAM');
    expect(kafkaToolsClientProperties(KafkaAuth.SASL_IAM)).toContain('software.amazon.msk.auth.iam.IAMClientCallbackHandler');
    expect(kafkaToolsClientProperties(KafkaAuth.TLS)).toBe('security.protocol=SSL\n');
    expect(kafkaToolsClientProperties(KafkaAuth.PLAINTEXT)).toBe('security.protocol=PLAINTEXT\n');
  });
});

describe('apt key bootcmd', () => {
  const FINGERPRINT = '3A9EA1193A97B548BE1457D48919F6BD2B48D754';
  function runKeyScript(servedFingerprint: string): { status: number | null; stderr: string; keyring: string; curlArgs: string } {
    const dir = tempDir();
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const curlLog = path.join(dir, 'curl.log');
    // curl writes the "downloaded" key to -o; gpg reports the fingerprint the server's key has.
    executable(path.join(bin, 'curl'), `echo "$*" > '${curlLog}'; while [ $# -gt 0 ]; do [ "$1" = -o ] && { echo KEY > "$2"; }; shift; done`);
    executable(path.join(bin, 'gpg'), `echo 'pub:-:4096:1:8919F6BD2B48D754:::::'; echo 'fpr:::::::::${servedFingerprint}:'`);
    const doc = parse(renderCloudConfig({
      aptSources: { clickhouse: { source: 'deb [signed-by=$KEY_FILE] https://packages.clickhouse.com/deb stable main', keyUrl: 'https://packages.clickhouse.com/key', fingerprint: FINGERPRINT } },
    }));
    const keyrings = path.join(dir, 'keyrings');
    const script = (doc.bootcmd[0][2] as string).replace(/\/etc\/apt\/keyrings/g, keyrings);
    const result = spawnSync('sh', ['-c', script], { env: { PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(doc.apt.sources.clickhouse.source).toBe('deb [signed-by=/etc/apt/keyrings/clickhouse.asc] https://packages.clickhouse.com/deb stable main');
    return { status: result.status, stderr: result.stderr, keyring: path.join(keyrings, 'clickhouse.asc'), curlArgs: fs.readFileSync(curlLog, 'utf8') };
  }

  test('installs the key fetched over HTTPS when its fingerprint is the expected one', () => {
    const r = runKeyScript(FINGERPRINT);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(r.keyring, 'utf8')).toBe('KEY\n');
    expect(r.curlArgs).toContain("--proto =https");
    expect(r.curlArgs).toContain('https://packages.clickhouse.com/key');
  });

  test('refuses a key with another fingerprint and installs nothing', () => {
    const r = runKeyScript('0000000000000000000000000000000000000000');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`fingerprint is not ${FINGERPRINT}`);
    expect(fs.existsSync(r.keyring)).toBe(false);
  });
});
