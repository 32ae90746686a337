export * from './alerts';
export * from './dashboard';
export * from './exporter';
export * from './metrics';
export * from './monitors';
export * from './rule-file';
export * from './thresholds';
