/**
 * A read-only view of synthesized Terraform JSON (what `cdk.tf.json` holds), so that policy rules
 * are pure functions of the output a reviewer sees, independent of how constructs produced it.
 */

/** The parts of a synthesized stack the rules read. */
export interface TerraformJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly data?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly [key: string]: unknown;
}

/** One resource or data source block. */
export interface ResourceView {
  /** `aws_s3_bucket`, ... */
  readonly type: string;
  /** The logical id, e.g. `storage_bucket_1A2B3C4D`. */
  readonly name: string;
  /** The Terraform address: `aws_s3_bucket.x` or `data.aws_iam_policy_document.x`. */
  readonly address: string;
  /** The construct path cdktf records in `//` metadata, when present. */
  readonly constructPath?: string;
  /** The block's attributes (snake_case, tokens resolved to `${...}` expressions). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly isDataSource: boolean;
}

/** Every resource and data source of a synthesized stack, in a stable order. */
export function resourcesOf(json: TerraformJson): ResourceView[] {
  const views: ResourceView[] = [];
  const collect = (blocks: TerraformJson['resource'], isDataSource: boolean): void => {
    for (const type of Object.keys(blocks ?? {}).sort()) {
      const byName = blocks![type] as Record<string, Record<string, unknown>>;
      for (const name of Object.keys(byName).sort()) {
        const config = byName[name] ?? {};
        const meta = (config['//'] as { metadata?: { path?: string } } | undefined)?.metadata;
        views.push({
          type, name, config, isDataSource,
          address: `${isDataSource ? 'data.' : ''}${type}.${name}`,
          constructPath: meta?.path,
        });
      }
    }
  };
  collect(json.resource, false);
  collect(json.data, true);
  return views;
}

/** A nested block as a list: cdktf writes single blocks as objects and repeated ones as arrays. */
export function blocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Reads a nested attribute: `get(config, 'metadata_options', 'http_tokens')`. Single-element block lists are unwrapped. */
export function get(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (Array.isArray(current) && current.length === 1) current = current[0];
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Terraform booleans may be written as `true` or `"true"`. */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/** Whether an attribute value points at `address` (e.g. `${aws_s3_bucket.x.id}`). */
export function refersTo(value: unknown, address: string): boolean {
  return typeof value === 'string' && value.includes(`${address}.`) && value.includes('${');
}
