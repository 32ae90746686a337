import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { RegionStack } from '../../lib/constructs/region-stack';
import { bundleFromArtifacts, bundleFromTopology, nodeConfigFiles, roleStatements } from '../../lib/rehearsal/bundle';
import { US_REGION } from '../../stacks/us';

/**
 * The rehearsal reads a synthesized stack's artifacts; tests rehearse the same files rendered in
 * memory. Both must be the same files, or the tests would rehearse something users never run.
 */
describe('rehearsal input', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-artifacts-'));
  const stack = new RegionStack(new App({ outdir: path.join(dir, 'out') }), 'us', US_REGION);
  const artifacts = stack.renderArtifacts();
  for (const f of artifacts) {
    fs.mkdirSync(path.dirname(path.join(dir, 'artifacts', f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'artifacts', f.path), f.content);
  }
  const fromDisk = bundleFromArtifacts(path.join(dir, 'artifacts'));
  const inMemory = bundleFromTopology(stack.topology, US_REGION.clickhouse);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a stack\'s artifacts and the in-memory rendering give every role the same config and statements', () => {
    const roles = ['data', ...fromDisk.topology.ingestionTiers.map((t) => t.role)];
    expect(roles).toEqual(['data', 'small', 'medium', 'events']);
    for (const role of roles) {
      expect(roleStatements(inMemory, role)).toEqual(roleStatements(fromDisk, role));
      if (role !== 'data') expect(nodeConfigFiles(inMemory, role)).toEqual(nodeConfigFiles(fromDisk, role));
    }
    expect(fromDisk.topology.streams).toEqual(inMemory.topology.streams);
  });

  test('only config.d/ and users.d/ XML is loaded: not startup scripts (the SQL runs from sql/) nor per-host folders', () => {
    const files = nodeConfigFiles(fromDisk, 'small').map((f) => f.path);
    expect(files.length).toBeGreaterThan(3);
    expect(files.every((p) => /^(config|users)\.d\/[^/]+\.xml$/.test(p))).toBe(true);
    expect(files).not.toContain('config.d/startup_scripts.xml');
    expect(artifacts.some((f) => f.path === 'clickhouse/ingestion-small/config.d/startup_scripts.xml')).toBe(true);
  });
});
