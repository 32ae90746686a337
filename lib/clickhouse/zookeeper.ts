import { Topology } from '../model';
import { RenderedFile } from '../render/file';
import { clickhouseXml, replacing } from './xml';

export const ZOOKEEPER_FILE = 'config.d/zookeeper.xml';

/**
 * The ON CLUSTER queue, relative to the region's ZooKeeper root (ClickHouse prefixes every path
 * with `root`). One queue per region for every node, so `ON CLUSTER posthog_migrations` reaches
 * storage and ingestion nodes alike.
 */
export const DISTRIBUTED_DDL_PATH = '/clickhouse/task_queue/ddl';
/**
 * Set explicitly: ClickHouse 25.8+ otherwise keeps replica registrations in a default tree
 * outside the queue, and ON CLUSTER DDL hangs (Altinity operator #1883).
 */
export const DISTRIBUTED_DDL_REPLICAS_PATH = '/clickhouse/task_queue/replicas';

/**
 * ZooKeeper client config: the region's ensemble and root (so regions never share a path), and
 * `distributed_ddl`. Both elements replace any earlier definition: the operator writes its own
 * zookeeper and distributed_ddl (queue per CHI name) into conf.d, which ClickHouse merges before
 * config.d, and a merge would pair `<node>` elements by position.
 */
export function renderZooKeeper(topology: Topology): RenderedFile {
  return {
    path: ZOOKEEPER_FILE,
    content: clickhouseXml({
      zookeeper: replacing({
        node: topology.zookeeper.map((n) => ({ host: n.fqdn, port: n.clientPort })),
        root: topology.zookeeperRoot,
      }),
      distributed_ddl: replacing({ path: DISTRIBUTED_DDL_PATH, replicas_path: DISTRIBUTED_DDL_REPLICAS_PATH }),
    }),
  };
}

/**
 * Znodes to create, in order, before any ClickHouse node of the region starts: ClickHouse treats
 * `root` as a chroot and refuses to use ZooKeeper ("ZooKeeper root doesn't exist") until it is
 * there. Idempotent with `zkCli.sh create` (an existing node is an error to ignore) or
 * `clickhouse keeper-client -q "create '/clickhouse' ''"`.
 */
export function zookeeperRootZnodes(topology: Pick<Topology, 'zookeeperRoot'>): string[] {
  const parts = topology.zookeeperRoot.split('/').filter((p) => p !== '');
  return parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'));
}
