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

const JAAS_CHECK = path.join(__dirname, 'support', 'JaasCheck.java');
const hasJava = fs.existsSync('/usr/bin/java');
if (!hasJava) console.warn('SKIPPED SCRAM client properties read back by Java: java not installed (the zookeeper package brings it)');

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

function runTopics(existing: Record<string, number>, topics: { name: string; partitions: number; retentionHours?: number }[],
  auth: KafkaAuth = KafkaAuth.SASL_IAM, env: Record<string, string> = {}):
  { status: number | null; stderr: string; calls: string[]; partitions: Record<string, number>; clientProperties: string } {
  const kafka = fakeKafka(existing);
  const cfg = path.join(path.dirname(kafka.bin), 'client.properties');
  const script = renderTopicsScript({ name: 'msk_cluster', auth, topics })
    .replace('bin=/opt/kafka/bin', `bin='${kafka.bin}'`).replace('cfg=/tmp/client.properties', `cfg='${cfg}'`);
  expect(script).toContain(`bin='${kafka.bin}'`);
  expect(script).toContain(`cfg='${cfg}'`);
  const result = spawnSync('bash', ['-c', script], { env: { PATH: process.env.PATH, BOOTSTRAP: 'b-1:9098', ...env }, encoding: 'utf8' });
  const calls = fs.existsSync(kafka.log) ? fs.readFileSync(kafka.log, 'utf8').trim().split('\n') : [];
  const partitions = Object.fromEntries(fs.readdirSync(kafka.topics).map((t) => [t, Number(fs.readFileSync(path.join(kafka.topics, t), 'utf8'))]));
  const clientProperties = fs.existsSync(cfg) ? fs.readFileSync(cfg, 'utf8') : '';
  // The stand-ins log the real path; report it as the Job's so assertions read as in the pod.
  return { status: result.status, stderr: result.stderr, calls: calls.map((c) => c.split(cfg).join('/tmp/client.properties')), partitions, clientProperties };
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

  const SCRAM_ENV = { KAFKA_SASL_USERNAME_MSK_CLUSTER: 'clickhouse', KAFKA_SASL_PASSWORD_MSK_CLUSTER: String.raw`p a"s\s$HOME;'x` };

  test('SASL/SCRAM: writes SASL_SSL, SCRAM-SHA-512 and a JAAS line built from the Secret\'s variables, then creates the topics with it', () => {
    const r = runTopics({}, [{ name: 'clickhouse_groups', partitions: 16 }], KafkaAuth.SASL_SCRAM, SCRAM_ENV);
    expect(r.status).toBe(0);
    expect(r.partitions).toEqual({ clickhouse_groups: 16 });
    expect(r.calls[0]).toBe('topics --bootstrap-server b-1:9098 --command-config /tmp/client.properties --create --if-not-exists '
      + '--topic clickhouse_groups --partitions 16 --config retention.ms=604800000');
    // Escaped for JAAS's quotes, then for the properties file; nothing of the shell expanded.
    expect(r.clientProperties).toBe([
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      String.raw`sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="clickhouse" password="p a\\"s\\\\s$HOME;'x";`,
      '',
    ].join('\n'));
  });

  (hasJava ? test : test.skip)('SASL/SCRAM: a Kafka client reading the written properties logs in with exactly the Secret\'s values', () => {
    const kafka = fakeKafka({});
    const cfg = path.join(path.dirname(kafka.bin), 'client.properties');
    const script = renderTopicsScript({ name: 'msk_cluster', auth: KafkaAuth.SASL_SCRAM, topics: [{ name: 't', partitions: 1 }] })
      .replace('bin=/opt/kafka/bin', `bin='${kafka.bin}'`).replace('cfg=/tmp/client.properties', `cfg='${cfg}'`);
    expect(spawnSync('bash', ['-c', script], { env: { PATH: process.env.PATH, BOOTSTRAP: 'b-1:9096', ...SCRAM_ENV }, encoding: 'utf8' }).status).toBe(0);
    expect(fs.statSync(cfg).mode & 0o077).toBe(0);
    const read = spawnSync('java', [JAAS_CHECK, cfg], { encoding: 'utf8' });
    expect(read.stderr).toBe('');
    expect(read.stdout.trim().split('\n')).toEqual([
      'module org.apache.kafka.common.security.scram.ScramLoginModule',
      'flag required',
      'option username=clickhouse',
      `option password=${SCRAM_ENV.KAFKA_SASL_PASSWORD_MSK_CLUSTER}`,
      'property sasl.mechanism=SCRAM-SHA-512',
      'property security.protocol=SASL_SSL',
    ]);
  }, 30_000);

  test('SASL/SCRAM without the credentials in the environment: fails naming the missing key, calls no Kafka tool', () => {
    const r = runTopics({}, [{ name: 'clickhouse_groups', partitions: 16 }], KafkaAuth.SASL_SCRAM, { KAFKA_SASL_USERNAME_MSK_CLUSTER: 'clickhouse' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('SCRAM credentials missing: KAFKA_SASL_PASSWORD_MSK_CLUSTER is not set');
    expect(r.calls).toEqual([]);
  });

  test('client properties per auth mode', () => {
    expect(kafkaToolsClientProperties(KafkaAuth.SASL_SCRAM)).toBe('security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n');
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
