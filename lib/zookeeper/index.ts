export * from './zoo-cfg';
export * from './znodes';
