export * from './policy-pack';
export * from './rules';
export * from './secrets';
export * from './terraform-json';
export * from './synth-output';
