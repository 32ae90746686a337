import { Document, parse } from 'yaml';
import { CloudConfig, renderCloudConfig } from '../../lib/cloud-init/cloud-config';

/**
 * renderCloudConfig renders a document's entries and sequence items one by one (the ones hosts
 * share only once): the result must be exactly what the yaml package makes of the whole document.
 */
function wholeDocument(body: Record<string, unknown>): string {
  const doc = new Document(body, { aliasDuplicateObjects: false });
  return '#cloud-config\n' + doc.toString({ lineWidth: 0, blockQuote: 'literal', directives: false, indentSeq: false });
}

const host = (name: string): CloudConfig => ({
  aptSources: { clickhouse: { source: 'deb [signed-by=$KEY_FILE] https://packages.clickhouse.com/deb stable main', keyUrl: 'https://packages.clickhouse.com/key.asc', fingerprint: '3A9EA1193A97B548BE1457D48919F6BD2B48D754' } },
  aptConf: 'Acquire::Retries "5";\n',
  packages: ['mdadm', ['clickhouse-server', '25.8.8.26']],
  writeFiles: [
    { path: '/etc/clickhouse-server/config.d/zookeeper.xml', content: '<clickhouse>\n  <zookeeper/>\n</clickhouse>\n' },
    { path: `/etc/clickhouse-server/config.d/macros.xml`, content: `<clickhouse><macros><replica>${name}</replica></macros></clickhouse>` },
    { path: '/usr/local/bin/prepare-disks', content: '#!/bin/sh\nset -eu\necho "${DISKS:-}"  # trailing spaces   \n\n', permissions: '0755' },
    { path: '/etc/keeper', content: 'no newline at the end', owner: 'clickhouse:clickhouse', defer: true },
    { path: '/etc/empty', content: '' },
  ],
  runcmd: [['systemctl', 'enable', '--now', 'clickhouse-server'], ['sh', '-c', 'echo "a: b" > /tmp/x']],
});

describe('renderCloudConfig', () => {
  test('is byte-identical to rendering the whole document, for hosts that share most parts', () => {
    for (const name of ['data-0-0', 'data-0-1', 'data-1-0']) {
      const text = renderCloudConfig(host(name));
      const body = parse(text) as Record<string, unknown>;
      expect(text).toBe(wholeDocument(body));
      expect((body.write_files as { content: string }[])[1].content).toContain(`<replica>${name}</replica>`);
    }
  });

  test('keeps every value as written (contents, permissions, owner, defer, argv lists)', () => {
    const body = parse(renderCloudConfig(host('data-0-0'))) as Record<string, unknown>;
    expect(body.packages).toEqual(['mdadm', ['clickhouse-server', '25.8.8.26']]);
    expect(body.runcmd).toEqual([['systemctl', 'enable', '--now', 'clickhouse-server'], ['sh', '-c', 'echo "a: b" > /tmp/x']]);
    expect(body.write_files).toEqual([
      { path: '/etc/clickhouse-server/config.d/zookeeper.xml', content: '<clickhouse>\n  <zookeeper/>\n</clickhouse>\n' },
      { path: '/etc/clickhouse-server/config.d/macros.xml', content: '<clickhouse><macros><replica>data-0-0</replica></macros></clickhouse>' },
      { path: '/usr/local/bin/prepare-disks', permissions: '0755', content: '#!/bin/sh\nset -eu\necho "${DISKS:-}"  # trailing spaces   \n\n' },
      { path: '/etc/keeper', owner: 'clickhouse:clickhouse', defer: true, content: 'no newline at the end' },
      { path: '/etc/empty', content: '' },
    ]);
  });

  test('an empty config is the header alone', () => {
    expect(renderCloudConfig({})).toBe(wholeDocument({}));
  });
});
