import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as api from '../../lib';
import * as renderers from '../../lib/renderers';

// npm's own semver (a dependency of the toolchain; no @types package needed for three calls).
const semver = require('semver') as {
  valid(v: string): string | null; validRange(r: string): string | null; satisfies(v: string, r: string): boolean;
};

/** What a user installing the package gets and reads: metadata, peer ranges, docs. */

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string; license: string; repository?: { url?: string }; homepage?: string; bugs?: { url?: string };
  scripts: Record<string, string>; peerDependencies: Record<string, string>; devDependencies: Record<string, string>;
};
const docs = ['README.md', 'CHANGELOG.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');

describe('package metadata', () => {
  test('LICENSE holds the Apache License 2.0 that package.json declares', () => {
    const license = read('LICENSE');
    expect(pkg.license).toBe('Apache-2.0');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  test('repository, homepage and bugs point at the same repository', () => {
    const repo = /github\.com\/([^/]+\/[^/.#]+)/;
    const [, slug] = repo.exec(pkg.repository?.url ?? '') ?? [];
    expect(slug).toBeDefined();
    expect(repo.exec(pkg.homepage ?? '')?.[1]).toBe(slug);
    expect(repo.exec(pkg.bugs?.url ?? '')?.[1]).toBe(slug);
  });

  test('CHANGELOG.md has a section for the current version and is shipped', () => {
    expect(read('CHANGELOG.md')).toContain(`## [${pkg.version}]`);
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as { files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']));
    expect(files.filter((f) => f.startsWith('__tests__/') || f.startsWith('lib/') || f.startsWith('bench/'))).toEqual([]);
  });

  test('peer dependencies are ranges (a user one patch away installs), and the repository develops inside them', () => {
    for (const [name, range] of Object.entries(pkg.peerDependencies)) {
      expect({ name, range: semver.validRange(range) !== null, exact: semver.valid(range) !== null }).toEqual({ name, range: true, exact: false });
      const installed = (JSON.parse(read(`node_modules/${name}/package.json`)) as { version: string }).version;
      expect({ name, installed, satisfies: semver.satisfies(installed, range) }).toEqual({ name, installed, satisfies: true });
    }
    // One patch below the newest release of each provider is allowed.
    expect(semver.satisfies('21.22.0', pkg.peerDependencies['@cdktf/provider-aws'])).toBe(true);
    expect(semver.satisfies('12.1.0', pkg.peerDependencies['@cdktf/provider-helm'])).toBe(true);
    expect(semver.satisfies('12.1.0', pkg.peerDependencies['@cdktf/provider-kubernetes'])).toBe(true);
  });

  test('cdktf-cli is pinned to the cdktf release, and diff/deploy scripts run it', () => {
    expect(pkg.devDependencies['cdktf-cli']).toBe('0.21.0');
    expect(pkg.devDependencies['cdktf-cli']).toBe(pkg.devDependencies.cdktf);
    expect(pkg.scripts.diff).toBe('cdktf diff');
    expect(pkg.scripts.deploy).toBe('cdktf deploy');
    expect(fs.existsSync(path.join(root, 'node_modules', '.bin', 'cdktf'))).toBe(true);
  });
});

describe('docs', () => {
  test('no internal history (issue numbers) in the docs', () => {
    for (const file of docs) {
      const hits = read(file).split('\n').filter((l) => /\bissues? #?\d+\b|\bPR #?\d+ of this repo/i.test(l));
      expect({ file, hits }).toEqual({ file, hits: [] });
    }
  });

  test('every import from the package in the docs is from its root or /renderers and names something it exports', () => {
    const entryPoints: Record<string, Set<string>> = {
      'cdktf-clickhouse-ingest': new Set(Object.keys(api)),
      'cdktf-clickhouse-ingest/renderers': new Set(Object.keys(renderers)),
    };
    let imports = 0;
    for (const file of docs) {
      for (const [, names, from] of read(file).matchAll(/import \{([^}]+)\} from '(cdktf-clickhouse-ingest[^']*|\.[^']*lib[^']*)'/g)) {
        imports++;
        expect({ file, from, entryPoint: from in entryPoints }).toEqual({ file, from, entryPoint: true });
        const values = names.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type '));
        // Type-only names (interfaces) have no runtime value; check.sh compiles every docs block against the package.
        const missing = values.filter((n) => !entryPoints[from].has(n) && !/^[A-Z]\w*(Spec|Props|Options|Lock|Report|Topology)$|^Topology$/.test(n));
        expect({ file, missing }).toEqual({ file, missing: [] });
      }
    }
    expect(imports).toBeGreaterThan(5);
  });

  test('the root is deliberate: constructs, props, specs, errors and helpers, no renderer internals', () => {
    for (const name of ['RegionStack', 'StorageCluster', 'ZooKeeper', 'KafkaBackend', 'ClickHouseOperator', 'StatelessIngestionTier', 'BackupBucket',
      'DisasterRecovery', 'loadDiskSizeLock', 'PolicyPack', 'rehearse', 'snapshotStack', 'TopologyValidationError', 'RehearsalError', 'buildTopology']) {
      expect({ name, exported: name in api }).toEqual({ name, exported: true });
    }
    for (const name of ['renderNodeGroupConfig', 'statementsForRole', 'renderZooCfg', 'renderCloudConfig', 'escapeTerraformTemplate', 'checkIdentifier', 'IDENTIFIER']) {
      expect({ name, root: name in api, renderers: name in renderers }).toEqual({ name, root: false, renderers: true });
    }
    expect(Object.keys(api).length).toBeLessThan(Object.keys(renderers).length / 2);
  });

  test('the README lists the prerequisites: Node, the peers, cdktf-cli, Terraform, credentials, Kubernetes Secrets', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Prerequisites'), readme.indexOf('\n## ', readme.indexOf('## Prerequisites') + 1));
    for (const needed of ['Node.js 20', 'cdktf-cli@0.21.0', 'Terraform 1.10', 'AWS credentials', 'Kubernetes Secrets', 'chdb', ...Object.keys(pkg.peerDependencies).filter((p) => p !== 'chdb')]) {
      expect({ needed, present: section.includes(needed) }).toEqual({ needed, present: true });
    }
  });
});
