import tseslint from 'typescript-eslint';

// The layers of lib/ and the imports each may make: docs/architecture.md.

// The provider barrels cost about 2 s and 560 MB per process: deep paths only.
const barrel = {
  regex: '^@cdktf/provider-[a-z0-9-]+(/lib)?(/index)?/?$',
  message: 'Import providers by deep path (e.g. @cdktf/provider-aws/lib/instance), never the barrel.',
};
// Inside lib/, a module imports the module it needs, never the package's entry points (they import everything).
const entryPoints = {
  regex: '^(\\.\\./)+(index|renderers)(\\.ts)?$',
  message: 'Import the module itself, not the package entry points lib/index.ts or lib/renderers.ts (docs/architecture.md).',
};
const outsideLib = {
  regex: '^(\\.\\./)+(stacks|examples|bench|bin|scripts|__tests__)(/|$)',
  message: 'The library never imports the repository\'s apps, examples, benchmarks or tests (docs/architecture.md).',
};
const CDKTF = '^(cdktf|constructs|@cdktf/[^/]+)(/.*)?$';
const cdktf = {
  regex: CDKTF,
  message: 'The model and the renderers are pure: no cdktf, constructs or providers (docs/architecture.md).',
};
const CONSTRUCT_SIDE = '^(\\.\\./)+(constructs|policy|testing)(/|$)';
const constructSide = {
  regex: CONSTRUCT_SIDE,
  message: 'The model and the renderers are pure: they never import lib/constructs, lib/policy or lib/testing (docs/architecture.md).',
};
const aboveModel = {
  regex: '^\\.\\./',
  message: 'lib/model is the bottom layer: it imports nothing else of lib/ (docs/architecture.md).',
};

// no-restricted-imports sees import and export declarations (and `import x = require()`); the same rules for require() and import().
const pureCalls = [CDKTF, CONSTRUCT_SIDE].flatMap((pattern) => {
  const value = `/${pattern.replace(/\//g, '\\/')}/`;
  const message = 'The model and the renderers are pure: no cdktf, constructs, providers or construct-side modules (docs/architecture.md).';
  return [
    { selector: `CallExpression[callee.name='require'][arguments.0.value=${value}]`, message },
    { selector: `ImportExpression[source.value=${value}]`, message },
  ];
});

/** The pure folders of lib/: everything except the construct side (constructs, policy, testing) and the entry points. */
const PURE = ['model', 'clickhouse', 'schema', 'zookeeper', 'cloud-init', 'kubernetes', 'render', 'lock', 'migrations', 'observability', 'dr', 'rehearsal'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdktf.out/**', 'dist/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-restricted-imports': ['error', { patterns: [barrel] }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['lib/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [barrel, entryPoints, outsideLib] }] },
  },
  {
    files: PURE.map((folder) => `lib/${folder}/**/*.ts`),
    rules: {
      'no-restricted-imports': ['error', { patterns: [barrel, entryPoints, outsideLib, cdktf, constructSide] }],
      'no-restricted-syntax': ['error', ...pureCalls],
    },
  },
  {
    files: ['lib/model/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [barrel, entryPoints, outsideLib, cdktf, constructSide, aboveModel] }] },
  },
);
