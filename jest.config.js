/**
 * The full suite (`npm run test:all`, and CI): every test, the real-engine ones included.
 * Transpile-only (swc): types are checked once by `tsc --noEmit` before jest.
 * Three workers on two cores: the real-engine suites mostly wait on child processes (Kafka group
 * joins on the mock, ZooKeeper and client JVMs), so a third file keeps the cores busy meanwhile.
 * The temp guard gives each run its own TMPDIR and fails the run if a test leaves anything in it.
 * jest.fast.config.js (`npm test`) runs the same files less the engine suites listed there.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  globalSetup: '<rootDir>/__tests__/support/jest/global-setup.js',
  globalTeardown: '<rootDir>/__tests__/support/jest/global-teardown.js',
  maxWorkers: 3,
  testTimeout: 120000,
};
