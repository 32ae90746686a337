import { Problems } from './validation';

/**
 * Names that end up in XML tags, SQL identifiers and DNS records are restricted to these shapes,
 * so nothing can be injected through a name.
 */
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
export const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const DNS_NAME = /^(?=.{1,253}$)[a-z]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const ENV_VAR = /^[A-Z_][A-Z0-9_]{0,127}$/;

export const IDENTIFIER_EXPECTED = 'a lower-case identifier: a letter or _, then letters, digits or _ (at most 63)';
export const DNS_LABEL_EXPECTED = 'a DNS label: lower-case letters, digits and -, starting with a letter (at most 63)';

export function checkIdentifier(problems: Problems, field: string, value: unknown): boolean {
  return problems.check(typeof value === 'string' && IDENTIFIER.test(value), field, value, IDENTIFIER_EXPECTED);
}

export function checkDnsLabel(problems: Problems, field: string, value: unknown): boolean {
  return problems.check(typeof value === 'string' && DNS_LABEL.test(value), field, value, DNS_LABEL_EXPECTED);
}

export function checkDnsName(problems: Problems, field: string, value: unknown): boolean {
  return problems.check(typeof value === 'string' && DNS_NAME.test(value), field, value, 'a lower-case DNS name such as us.clickhouse.internal');
}

/** `ai_events` → `ai-events`: identifiers as Kubernetes and DNS names. */
export function kebab(identifier: string): string {
  return identifier.replace(/_/g, '-').replace(/^-+|-+$/g, '');
}

/** Reports names that appear more than once. */
export function checkUnique(problems: Problems, field: string, names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) problems.add(field, name, `unique ${what} (this one appears more than once)`);
    seen.add(name);
  }
}
