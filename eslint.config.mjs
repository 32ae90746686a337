import tseslint from 'typescript-eslint';

// The provider barrels cost about 2 s and 560 MB per process: deep paths only.
const barrel = {
  regex: '^@cdktf/provider-[a-z0-9-]+(/lib)?(/index)?/?$',
  message: 'Import providers by deep path (e.g. @cdktf/provider-aws/lib/instance), never the barrel.',
};

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
    // The model and the renderers are pure: no cdktf, no constructs, no providers.
    files: ['lib/model/**/*.ts', 'lib/clickhouse/**/*.ts', 'lib/schema/**/*.ts', 'lib/zookeeper/**/*.ts', 'lib/cloud-init/**/*.ts', 'lib/kubernetes/**/*.ts', 'lib/render/**/*.ts',
      'lib/lock/**/*.ts', 'lib/migrations/**/*.ts', 'lib/observability/**/*.ts', 'lib/dr/**/*.ts', 'lib/rehearsal/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [barrel, { group: ['cdktf', 'cdktf/*', 'constructs', '@cdktf/*'], message: 'The model and renderers never import cdktf (DESIGN.md, layers).' }],
      }],
    },
  },
);
