export * from './cloud-config';
export * from './boot-secrets';
export * from './storage-disks';
export * from './storage-host';
export * from './zookeeper-host';
export * from './ec2-host';
export * from './session-manager';
