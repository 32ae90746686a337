export * from './zoo-cfg';
