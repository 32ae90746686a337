export * from './policy-pack';
export * from './rules';
export * from './secrets';
export * from './synth-output';
// The JSON helpers (get, blocks, ...) stay internal: only the view types and the reader are API.
export { resourcesOf } from './terraform-json';
export type { ResourceView, TerraformJson } from './terraform-json';
