// The package's entry point: re-exports only.
export * from './model';
export * from './render/file';
export * from './render/artifacts';
export * from './render/topology-json';
export * from './render/topology-md';
export * from './region-stack';
