/**
 * Transpile-only (swc): types are checked once by `tsc --noEmit` in `npm test`.
 * Two workers: the real-engine suites mostly wait on child processes (chdb, ZooKeeper, kcat).
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  maxWorkers: 2,
  testTimeout: 120000,
};
