// The SQL builder (./sql) is imported by path: its generic names (identifier, call...) stay off the package's top level.
export * from './statements';
export * from './placement';
export * from './startup-scripts';
export * from './access-roles';
