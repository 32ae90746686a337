export * from './validation';
export * from './names';
export * from './node-role';
export * from './spec';
export * from './stream';
export * from './streams';
export * from './topology';
