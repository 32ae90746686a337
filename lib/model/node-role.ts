import { IDENTIFIER } from './names';

/**
 * What a ClickHouse node is for. Its value is the node's `hostClusterRole` macro, which migrations
 * match to decide where a statement runs (PostHog's `NodeRole`).
 */
export class NodeRole {
  /** Storage: ReplicatedMergeTree data on EC2 NVMe. */
  public static readonly DATA = new NodeRole('data');
  /** Ingestion tier with one Kafka consumer per node. */
  public static readonly SMALL = new NodeRole('small');
  /** Ingestion tier with four Kafka consumers per node. */
  public static readonly MEDIUM = new NodeRole('medium');
  /** Ingestion tier for the main event firehose. */
  public static readonly EVENTS = new NodeRole('events');
  /** Ingestion tier that re-keys a topic into another topic (Kafka table as producer). */
  public static readonly SHUFFLEHOG = new NodeRole('shufflehog');

  /** The roles this library knows by name. */
  public static readonly BUILT_IN: readonly NodeRole[] = [
    NodeRole.DATA,
    NodeRole.SMALL,
    NodeRole.MEDIUM,
    NodeRole.EVENTS,
    NodeRole.SHUFFLEHOG,
  ];

  /** A user-defined role, e.g. `NodeRole.of('ai_events')`. Its value must be an identifier. */
  public static of(value: string): NodeRole {
    return NodeRole.BUILT_IN.find((r) => r.value === value) ?? new NodeRole(value);
  }

  /** Whether `value` can be a role (validated with the rest of the description). */
  public static isValid(value: string): boolean {
    return IDENTIFIER.test(value);
  }

  private constructor(public readonly value: string) {}

  public get isData(): boolean {
    return this.value === NodeRole.DATA.value;
  }

  public toString(): string {
    return this.value;
  }
}
