/**
 * Finds secret-like literals in synthesized output: AWS access keys, private keys, credentials in
 * URLs, and literal values next to secret-ish names (`password: ...`, `<password>...</password>`,
 * `"api_token": "..."`). References (`${...}`, `from_env`, `{{ ... }}`, ARNs, environment variable
 * names) are how secrets are meant to arrive, so they never count.
 */

export interface SecretFinding {
  /** Where: a file path or a JSON path such as `resource.helm_release.x.values[0]`. */
  readonly location: string;
  /** What kind of secret it looks like. */
  readonly kind: string;
  /** A redacted hint (never the value itself: findings end up in logs). */
  readonly hint: string;
}

const AWS_ACCESS_KEY_ID = /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g;
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/g;
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/'"]+:([^\s@/'"]+)@/gi;
const XML_ELEMENT = /<([A-Za-z_][\w.-]*)(\s[^<>]*)?>([^<]*)<\/\1>/g;
// `name: value`, `name=value`, `"name": "value"` on one line (a value never starts on the next line).
const ASSIGNMENT = /["']?([A-Za-z_][\w.-]*)["']?[ \t]*[:=][ \t]*(["']?)([^\s"',;}<>&]+)\2/g;

/** A cheap gate before the name-based checks (covers every word PASSWORD_NAME and SECRET_NAME match). */
const SECRETISH_WORD = /pass|pwd|secret|token|key|credential/i;

/** Names whose literal value is a secret. */
const PASSWORD_NAME = /(password|passwd|passphrase|pwd)/;
const SECRET_NAME = /(secret|token|apikey|accesskey|privatekey|credential|authkey|signingkey|encryptionkey)/;
/** Names that point at a secret instead of holding one (`secretName`, `password_env`, `tokenRef`). */
const POINTER_NAME = /(name|names|ref|arn|id|ids|env|var|path|file|files|version|policy|type|mechanism|enabled|length|count|mode|source|provider|namespace|template|selector|mount|volume|rotation|manager)$/;

/** How a secret is supposed to arrive: references, placeholders resolved elsewhere, env variable names. */
function isReference(value: string): boolean {
  return value.includes('${') || value.includes('$(') || value.includes('{{') || value.startsWith('arn:')
    || /from_env|from_zk|secretKeyRef|valueFrom/.test(value) || /^[A-Z][A-Z0-9_]*$/.test(value)
    // A Terraform reference inside an expression (`jsonencode({"password" = ephemeral.x.y.random_password})`).
    || /^(ephemeral|data|var|local)\.[a-z_][a-z0-9_]*\./.test(value);
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A random-looking token: long, high entropy, and not just lower-case words. */
function looksRandom(value: string): boolean {
  return value.length >= 16 && entropy(value) >= 3.5 && /[0-9A-Z+/=_]/.test(value) && !/^[a-z]+([._-][a-z]+)*$/.test(value);
}

/** Whether a value under `name` could be a secret at all (its value still decides). */
function nameMayHoldSecret(name: string): boolean {
  const n = normalize(name);
  return PASSWORD_NAME.test(n) || SECRET_NAME.test(n);
}

/** Whether `name: value` hands a literal secret to the output. */
export function isSecretAssignment(name: string, value: string): string | undefined {
  // Most names in a config hold no secret: decide on the name before looking at the value.
  if (!nameMayHoldSecret(name)) return undefined;
  const n = normalize(name);
  const v = value.trim();
  if (v === '' || isReference(v) || /^(true|false|null|none|~|\*+)$/i.test(v) || POINTER_NAME.test(n)) return undefined;
  if (PASSWORD_NAME.test(n)) return `a literal value for ${name}`;
  if (SECRET_NAME.test(n) && looksRandom(v)) return `a random-looking literal for ${name}`;
  return undefined;
}

function redact(value: string): string {
  return `${value.slice(0, 2)}… (${value.length} characters)`;
}

/** Scans free text (XML, YAML, SQL, HCL-ish strings). */
export function findSecretsInText(text: string, location: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  scanText(text, () => location, findings);
  return findings;
}

/** `findSecretsInText` with the location built only for a finding. */
function scanText(text: string, location: () => string, findings: SecretFinding[]): void {
  const add = (kind: string, value: string): void => {
    findings.push({ location: location(), kind, hint: redact(value) });
  };
  // Cheap substring gates first: the regexes are the cost on large configs.
  if (/A[BCKS][CI]A/.test(text)) for (const m of text.matchAll(AWS_ACCESS_KEY_ID)) add('an AWS access key id', m[0]);
  if (text.includes('PRIVATE KEY')) for (const m of text.matchAll(PRIVATE_KEY)) add('a private key', m[0]);
  if (text.includes('://') && text.includes('@')) {
    for (const m of text.matchAll(URL_CREDENTIALS)) if (!isReference(m[1])) add('a password inside a URL', m[1]);
  }
  // Name-based checks only where a secret-ish word appears: most of a large config has none.
  if (!SECRETISH_WORD.test(text)) return;
  for (const m of text.matchAll(XML_ELEMENT)) {
    const attributes = m[2] ?? '';
    if (/from_env|from_zk/.test(attributes)) continue;
    const kind = isSecretAssignment(m[1], m[3]);
    if (kind) add(kind, m[3]);
  }
  for (const line of text.split('\n')) {
    if (!SECRETISH_WORD.test(line)) continue;
    for (const m of line.matchAll(ASSIGNMENT)) {
      const kind = isSecretAssignment(m[1], m[3]);
      if (kind) add(kind, m[3]);
    }
  }
}

/** Scans a JSON value (e.g. a synthesized `cdk.tf.json`): keys name their values, and long strings are scanned as text. */
export function findSecretsInJson(value: unknown, location = ''): SecretFinding[] {
  const findings: SecretFinding[] = [];
  // The path as segments, joined only for a finding (a stack has hundreds of thousands of values).
  const path: (string | number)[] = [];
  const where = (): string => path.reduce<string>((at, s) => (typeof s === 'number' ? `${at}[${s}]` : at ? `${at}.${s}` : s), location);
  // Most keys repeat (`tags`, `name`, ...) and cannot name a secret: decide each once.
  const secretish = new Map<string, boolean>();
  const mayNameSecret = (key: string): boolean => {
    let yes = secretish.get(key);
    if (yes === undefined) secretish.set(key, (yes = nameMayHoldSecret(key)));
    return yes;
  };
  const walk = (v: unknown, key: string | undefined): void => {
    if (typeof v === 'string') {
      const kind = key === undefined || !mayNameSecret(key) ? undefined : isSecretAssignment(key, v);
      if (kind) findings.push({ location: where(), kind, hint: redact(v) });
      scanText(v, where, findings);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i], key);
        path.pop();
      }
    } else if (v !== null && typeof v === 'object') {
      for (const k in v) {
        // `//`: cdktf metadata, construct paths and stack traces.
        if (k === '//' || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        path.push(k);
        walk((v as Record<string, unknown>)[k], k);
        path.pop();
      }
    }
  };
  walk(value, undefined);
  return findings;
}
