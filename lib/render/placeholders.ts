/**
 * Placeholder IDs: the shipped stacks (and examples) carry well-formed example values for what only
 * the user's account knows (VPC, subnets, EKS cluster, state bucket, WarpStream ids). A region
 * description lists them in `placeholders`; whatever still holds its example value is reported, so a
 * deploy can stop with a message that names each one. Pure: no cdktf.
 */

/** The value at a dotted field path (`subnetIds.us-east-1a`, `kafkaBackendOptions.ws.warpStreamOptions.virtualClusterId`). */
export function valueAtPath(root: unknown, field: string): unknown {
  let current: unknown = root;
  for (const key of field.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The placeholder fields whose value is still the example value, as `field = value`, sorted. */
export function remainingPlaceholders(spec: unknown, placeholders: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(placeholders ?? {})
    .filter(([field, example]) => valueAtPath(spec, field) === example)
    .map(([field, example]) => `${field} = ${example}`)
    .sort();
}

/** The message a deploy stops with while placeholders remain. */
export function placeholderMessage(remaining: readonly string[]): string {
  return `This region still holds ${remaining.length} placeholder value(s) for your account: ${remaining.join('; ')}. ` +
    'Replace each in the region description (README, "Deploy a region") and synthesize again; nothing was sent to AWS.';
}

/**
 * `spec` with `placeholders` recording the current value of each listed field (those present), for
 * a description whose account-specific values are examples: `markPlaceholders(spec, ['vpcId', ...])`.
 */
export function markPlaceholders<T extends object>(spec: T, fields: readonly string[]): T & { readonly placeholders: Readonly<Record<string, string>> } {
  const placeholders: Record<string, string> = {};
  for (const field of fields) {
    const value = valueAtPath(spec, field);
    if (typeof value === 'string') placeholders[field] = value;
  }
  return { ...spec, placeholders };
}

/** The fields of a region description that only the account knows, for `markPlaceholders`. */
export function accountFields(spec: { readonly subnetIds?: Readonly<Record<string, string>>; readonly kafkaBackendOptions?: Readonly<Record<string, unknown>> }): string[] {
  return [
    'vpcId', 'eksClusterName', 'stateBackend.bucket', 'hostedZoneId',
    ...Object.keys(spec.subnetIds ?? {}).map((zone) => `subnetIds.${zone}`),
    ...Object.keys(spec.kafkaBackendOptions ?? {}).flatMap((name) => [
      `kafkaBackendOptions.${name}.warpStreamOptions.virtualClusterId`, `kafkaBackendOptions.${name}.warpStreamOptions.agentKeySecretArn`,
    ]),
  ];
}

/** `spec` with every account-specific field (`accountFields`) marked as a placeholder: for shipped examples. */
export function markAccountPlaceholders<T extends Parameters<typeof accountFields>[0]>(spec: T): T & { readonly placeholders: Readonly<Record<string, string>> } {
  return markPlaceholders(spec, accountFields(spec));
}
