/** The host exporter as cloud-init files: the program and its systemd unit, per host kind. */
import type { CloudConfigFile } from '../cloud-init/cloud-config';
import {
  CLICKHOUSE_TABLE_EXPORTER_UNIT, renderClickHouseTableExporterUnit, renderTableExporter, renderZooKeeperExporter, renderZooKeeperExporterUnit,
  TABLE_EXPORTER_PATH, ZOOKEEPER_EXPORTER_PATH, ZOOKEEPER_EXPORTER_UNIT,
} from './exporter';

export { CLICKHOUSE_TABLE_EXPORTER_UNIT, ZOOKEEPER_EXPORTER_UNIT };

const UNITS = '/etc/systemd/system';

/** Storage host: the dead-letter exporter on port 9364. */
export function tableExporterFiles(database: string): CloudConfigFile[] {
  return [
    { path: TABLE_EXPORTER_PATH, permissions: '0755', content: renderTableExporter() },
    { path: `${UNITS}/${CLICKHOUSE_TABLE_EXPORTER_UNIT}`, content: renderClickHouseTableExporterUnit(database) },
  ];
}

/** ZooKeeper node: the mntr and dataDir exporter on port 7000. */
export function zooKeeperExporterFiles(o: { clientPort: number; dataDir: string; dataLogDir?: string }): CloudConfigFile[] {
  return [
    { path: ZOOKEEPER_EXPORTER_PATH, permissions: '0755', content: renderZooKeeperExporter() },
    { path: `${UNITS}/${ZOOKEEPER_EXPORTER_UNIT}`, content: renderZooKeeperExporterUnit(o) },
  ];
}
