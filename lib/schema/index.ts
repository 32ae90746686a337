export * from './sql';
export * from './statements';
export * from './placement';
export * from './startup-scripts';
