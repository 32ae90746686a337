import { Topology } from '../model';
import { RenderedFile } from '../render/file';
import { consumedLegs, NodeGroup } from './node-groups';
import { clickhouseXml } from './xml';

export const KAFKA_CONSUMERS_FILE = 'config.d/kafka_consumers.xml';

/** ClickHouse's default background_message_broker_schedule_pool_size. */
export const DEFAULT_MESSAGE_BROKER_POOL_SIZE = 16;

/** Kafka consumers on one node of the group: the sum of kafka_num_consumers of its Kafka tables. */
export function consumersPerNode(topology: Topology, group: NodeGroup): number {
  return consumedLegs(topology, group).reduce((n, l) => n + l.consumers, 0);
}

/**
 * background_message_broker_schedule_pool_size for the group: with kafka_thread_per_consumer=1
 * every consumer holds a thread of this pool, so it must be at least the node's consumers; never
 * below ClickHouse's default.
 */
export function messageBrokerPoolSize(topology: Topology, group: NodeGroup): number {
  return Math.max(DEFAULT_MESSAGE_BROKER_POOL_SIZE, consumersPerNode(topology, group));
}

/** config.d/kafka_consumers.xml for an ingestion group. */
export function renderKafkaConsumers(topology: Topology, group: NodeGroup): RenderedFile {
  return {
    path: KAFKA_CONSUMERS_FILE,
    content: clickhouseXml({ background_message_broker_schedule_pool_size: messageBrokerPoolSize(topology, group) }),
  };
}
