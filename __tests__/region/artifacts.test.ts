import { assembleArtifacts, helmValuesArtifacts, underFolder } from '../../lib/render/artifacts';
import { TopologyValidationError } from '../../lib/model';

describe('artifacts', () => {
  test('are sorted by path and prefixed by folder', () => {
    const files = assembleArtifacts([
      ...underFolder('sql/data', [{ path: '0002_b.sql', content: 'b' }, { path: '0001_a.sql', content: 'a' }]),
      { path: 'topology.md', content: '#' },
    ]);
    expect(files.map((f) => f.path)).toEqual(['sql/data/0001_a.sql', 'sql/data/0002_b.sql', 'topology.md']);
  });

  test.each(['../escape.xml', '/etc/passwd', 'a//b.xml', 'clickhouse/<x>/a.xml', 'sql/data/a b.sql', ''])(
    'fails on a path that is not a plain relative one: %j', (p) => {
      expect(() => assembleArtifacts([{ path: p, content: '' }])).toThrow(TopologyValidationError);
    });

  test('fails when two renderers produce one path', () => {
    expect(() => assembleArtifacts([{ path: 'zookeeper/zoo.cfg', content: 'a' }, { path: 'zookeeper/zoo.cfg', content: 'b' }]))
      .toThrow(/one file per path/);
  });

  test('Helm values come from every helm_release of the synthesized Terraform, by release name', () => {
    const files = helmValuesArtifacts({
      resource: {
        helm_release: {
          operator_release_ABC: { name: 'clickhouse-operator', values: ['a: 1'] },
          tier_small_DEF: { name: 'ingestion-small', values: ['a: 1\n', 'b: 2\n'] },
          other_1: { name: 'dup', values: [] },
          other_2: { name: 'dup', values: ['c: 3'] },
        },
      },
    });
    expect(Object.fromEntries(files.map((f) => [f.path, f.content]))).toEqual({
      'helm/clickhouse-operator.values.yaml': 'a: 1\n',
      'helm/ingestion-small.values.yaml': 'a: 1\n---\nb: 2\n',
      // Same release name in two namespaces: the logical ids keep the files apart.
      'helm/other_1.values.yaml': '',
      'helm/other_2.values.yaml': 'c: 3\n',
    });
    expect(helmValuesArtifacts({})).toEqual([]);
  });
});
