export * from './region-lock';
export * from './shape';
