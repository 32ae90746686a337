import { RenderedFile } from '../render/file';
import { clickhouseXml } from './xml';

export const PROMETHEUS_FILE = 'config.d/prometheus.xml';

/** Port of every ClickHouse node's Prometheus endpoint (ClickHouse's documented default). */
export const CLICKHOUSE_METRICS_PORT = 9363;
/** Path of the endpoint. */
export const CLICKHOUSE_METRICS_PATH = '/metrics';

/**
 * The Prometheus endpoint of a ClickHouse node: system.metrics (`ClickHouseMetrics_*`),
 * system.events (`ClickHouseProfileEvents_*`), system.asynchronous_metrics
 * (`ClickHouseAsyncMetrics_*`) and system.errors on port 9363. It listens where the server listens
 * (`listen_host`); who may connect is the security group's and NetworkPolicy's job. A running server
 * opens the port when it reloads its config (Server::updateServers), so the file reaches existing
 * storage hosts through the shared-config sync without a restart.
 */
export function renderPrometheusEndpoint(): RenderedFile {
  return {
    path: PROMETHEUS_FILE,
    content: clickhouseXml({
      prometheus: {
        endpoint: CLICKHOUSE_METRICS_PATH,
        port: CLICKHOUSE_METRICS_PORT,
        metrics: 'true',
        events: 'true',
        asynchronous_metrics: 'true',
        errors: 'true',
      },
    }),
  };
}
