/**
 * Transpile-only (swc): types are checked once by `tsc --noEmit` in `npm test`.
 * Three workers on two cores: the real-engine suites mostly wait on child processes (Kafka group
 * joins on the mock, ZooKeeper and client JVMs), so a third file keeps the cores busy meanwhile
 * (jest 82 s instead of 92 s on this machine, 2026-11-22).
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  maxWorkers: 3,
  testTimeout: 120000,
};
