export * from './bundle';
export * from './drills';
export * from './engine-process';
export * from './mock-kafka';
export * from './overrides';
export * from './rehearse';
export * from './sample-events';
export * from './session';
