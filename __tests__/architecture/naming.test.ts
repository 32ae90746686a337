import * as fs from 'fs';
import * as path from 'path';
import type { RegionMskOptions, RegionMskProps, RegionSpec, RegionStackProps } from '../../lib';
import { US_REGION } from '../../stacks/us';

/** The naming convention of docs/architecture.md: construct props are `XxxProps`, as in aws-cdk. */

const root = path.join(__dirname, '..', '..');
const constructs = path.join(root, 'lib', 'constructs');

describe('naming', () => {
  test('every construct constructor and construct factory takes `XxxProps`', () => {
    const found: { file: string; type: string }[] = [];
    for (const file of fs.readdirSync(constructs).filter((f) => f.endsWith('.ts'))) {
      const text = fs.readFileSync(path.join(constructs, file), 'utf8');
      for (const m of text.matchAll(/(?:constructor|static \w+)\(scope: Construct, id: string, \w+\??: (\w+)/g)) found.push({ file, type: m[1] });
    }
    expect(found.length).toBeGreaterThanOrEqual(15);
    expect(found.filter((f) => !f.type.endsWith('Props'))).toEqual([]);
  });

  test('the old names of the region props stay for one release as @deprecated aliases exported from the root', () => {
    // Compiles only while the aliases name the same types (tsc checks __tests__).
    const spec: RegionSpec = US_REGION;
    const props: RegionStackProps = spec;
    const msk: RegionMskOptions = {} as RegionMskProps;
    expect([props, msk]).toBeDefined();
    const report = fs.readFileSync(path.join(root, 'api', 'cdktf-clickhouse-ingest.api.md'), 'utf8').replace(/\r\n/g, '\n');
    for (const [old, name] of [['RegionSpec', 'RegionStackProps'], ['RegionStorageClusterOptions', 'RegionStorageClusterProps'],
      ['RegionZooKeeperOptions', 'RegionZooKeeperProps'], ['RegionIngestionTierOptions', 'RegionIngestionTierProps'],
      ['RegionMskOptions', 'RegionMskProps'], ['RegionWarpStreamOptions', 'RegionWarpStreamProps']]) {
      expect(report).toContain(`// @public @deprecated (undocumented)\nexport type ${old} = ${name};\n`);
    }
  });
});
