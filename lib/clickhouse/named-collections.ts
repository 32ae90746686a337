import { KafkaAuth, KafkaBackendModel, Topology } from '../model';
import { RenderedFile } from '../render/file';
import { consumedLegs, NodeGroup } from './node-groups';
import { clickhouseXml, fromEnv, XmlTree } from './xml';

export const NAMED_COLLECTIONS_FILE = 'config.d/named_collections.xml';

/** Environment variables that carry a SASL/SCRAM backend's credentials (from a Kubernetes Secret). */
export function scramCredentialEnv(backend: Pick<KafkaBackendModel, 'name'>): { readonly username: string; readonly password: string } {
  const name = backend.name.toUpperCase();
  return { username: `KAFKA_SASL_USERNAME_${name}`, password: `KAFKA_SASL_PASSWORD_${name}` };
}

/**
 * The Kafka backends a group's Kafka tables use: the backends of the legs it consumes and of the
 * ShuffleHog topics it produces to, in topology order. Storage nodes use none.
 */
export function backendsForGroup(topology: Topology, group: NodeGroup): KafkaBackendModel[] {
  const names = new Set<string>();
  for (const { stream, leg } of consumedLegs(topology, group)) {
    names.add(leg.backend.name);
    if (stream.shuffle !== undefined) names.add(stream.shuffle.backend);
  }
  return topology.kafkaBackends.filter((b) => names.has(b.name));
}

/** librdkafka settings by auth mode, as Kafka engine keys (ClickHouse 26.x). */
function authSettings(backend: KafkaBackendModel): XmlTree {
  switch (backend.auth) {
    case KafkaAuth.PLAINTEXT:
      return {};
    case KafkaAuth.TLS:
      return { kafka_security_protocol: 'ssl' };
    case KafkaAuth.SASL_IAM:
      // The region comes from the MSK broker host names (b-1.<cluster>...kafka.<region>.amazonaws.com).
      return { kafka_security_protocol: 'sasl_ssl', kafka_sasl_mechanism: 'AWS_MSK_IAM' };
    case KafkaAuth.SASL_SCRAM: {
      const env = scramCredentialEnv(backend);
      return {
        kafka_security_protocol: 'sasl_ssl', kafka_sasl_mechanism: 'SCRAM-SHA-512',
        kafka_sasl_username: fromEnv(env.username), kafka_sasl_password: fromEnv(env.password),
      };
    }
  }
}

/**
 * One named collection per backend the group uses (`ENGINE = Kafka(msk_cluster, ...)`): the broker
 * list from the environment (it is only known after the backend is created) plus the auth
 * settings. MSK IAM signs with the pod's or instance's role, which the Kafka engine only picks up
 * with `<kafka><use_environment_credentials>`. A group without Kafka tables gets no file.
 */
export function renderNamedCollections(topology: Topology, group: NodeGroup): RenderedFile | undefined {
  const backends = backendsForGroup(topology, group);
  if (backends.length === 0) return undefined;
  const collections: Record<string, XmlTree> = {};
  for (const b of backends) collections[b.name] = { kafka_broker_list: fromEnv(b.brokerListEnv), ...authSettings(b) };
  const sections: Record<string, XmlTree> = { named_collections: collections };
  if (backends.some((b) => b.auth === KafkaAuth.SASL_IAM)) sections.kafka = { use_environment_credentials: 'true' };
  return { path: NAMED_COLLECTIONS_FILE, content: clickhouseXml(sections) };
}

/** Environment variables the group's named collections read. */
export function namedCollectionEnvironment(topology: Topology, group: NodeGroup): string[] {
  return backendsForGroup(topology, group).flatMap((b) => {
    const scram = scramCredentialEnv(b);
    return b.auth === KafkaAuth.SASL_SCRAM ? [b.brokerListEnv, scram.username, scram.password] : [b.brokerListEnv];
  });
}
