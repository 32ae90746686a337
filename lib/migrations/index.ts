export * from './plan';
export * from './evolve';
export * from './runner';
export * from './artifacts';
export * from './access-runner';
