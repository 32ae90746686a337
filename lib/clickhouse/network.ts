import { RenderedFile } from '../render/file';
import { clickhouseXml } from './xml';

export const NETWORK_FILE = 'config.d/network.xml';

/**
 * Storage nodes listen on every interface: the package default is localhost only, and ingestion
 * pods (Distributed inserts), peers (replication fetches) and migrations must reach them. Which
 * addresses may connect is the security group's job. `::` and `0.0.0.0` with `listen_try`, as the
 * Altinity operator configures its pods: the second bind fails harmlessly where `::` is dual-stack,
 * and `::` fails harmlessly where IPv6 is off.
 */
export function renderStorageNetwork(tcpPort = 9000): RenderedFile {
  // The native port is the one remote_servers dials (the topology's storage.tcpPort), set here so the two cannot differ.
  return { path: NETWORK_FILE, content: clickhouseXml({ listen_host: ['::', '0.0.0.0'], listen_try: 1, tcp_port: tcpPort }) };
}
