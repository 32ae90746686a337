import { Document } from 'yaml';

/** A file cloud-init writes (`write_files`). */
export interface CloudConfigFile {
  readonly path: string;
  readonly content: string;
  /** @default '0644' */
  readonly permissions?: string;
  /** @default 'root:root' */
  readonly owner?: string;
  /**
   * Write after packages are installed (the owner may be a user a package creates).
   * @default false
   */
  readonly defer?: boolean;
}

/** An apt repository with the key that signs it, fetched over HTTPS (never from a keyserver over HKP). */
export interface AptSource {
  /** A sources.list line; `$KEY_FILE` is replaced by the path of the repository's keyring (its `signed-by`). */
  readonly source: string;
  /** HTTPS URL of the ASCII-armored signing key. */
  readonly keyUrl: string;
  /** Full fingerprint of the signing key (never a short id, which can collide): a key that differs is refused. */
  readonly fingerprint: string;
}

/** Where a source's key is kept: apt reads an armored `.asc` keyring named by `signed-by`. */
export function aptKeyringPath(name: string): string {
  return `/etc/apt/keyrings/${name}.asc`;
}

/**
 * A bootcmd script (init stage, before apt is configured) that fetches a source's key over HTTPS
 * once, refuses it unless its fingerprint is the expected one (checked with gpg where the image has
 * it), and installs it as the source's keyring.
 */
function fetchKeyScript(name: string, s: AptSource): string {
  const keyring = aptKeyringPath(name);
  return [
    `set -eu; keyring='${keyring}'; [ -s "$keyring" ] && exit 0`,
    `install -d -m 0755 /etc/apt/keyrings; tmp="$(mktemp)"`,
    `curl -fsSL --proto '=https' --tlsv1.2 --retry 5 --retry-connrefused -o "$tmp" '${s.keyUrl}'`,
    `if command -v gpg >/dev/null; then gpg --show-keys --with-colons "$tmp" | grep -q '^fpr:*${s.fingerprint}:' || { echo "apt key for ${name}: fingerprint is not ${s.fingerprint}" >&2; rm -f "$tmp"; exit 1; }; fi`,
    `install -m 0644 "$tmp" "$keyring"; rm -f "$tmp"`,
  ].join('\n');
}

/** The subset of cloud-config this library writes. */
export interface CloudConfig {
  readonly aptSources?: Readonly<Record<string, AptSource>>;
  /** apt.conf lines. */
  readonly aptConf?: string;
  /** Packages, optionally pinned: `['clickhouse-server', '25.8.8.26']`. */
  readonly packages?: readonly (string | readonly [string, string])[];
  readonly writeFiles?: readonly CloudConfigFile[];
  /** Commands of the final stage, each an argv list (no shell unless asked for). */
  readonly runcmd?: readonly (readonly string[])[];
}

/** Renders a cloud-config document (`#cloud-config` first, as cloud-init requires). */
export function renderCloudConfig(config: CloudConfig): string {
  const body: Record<string, unknown> = {};
  if (config.aptSources || config.aptConf) {
    body.apt = {
      ...(config.aptConf ? { conf: config.aptConf } : {}),
      ...(config.aptSources ? {
        sources: Object.fromEntries(Object.entries(config.aptSources).map(([name, s]) => [name, {
          source: s.source.replace(/\$KEY_FILE/g, aptKeyringPath(name)),
        }])),
      } : {}),
    };
    // bootcmd runs in the init stage, before apt-configure (config stage) reads the sources.
    const keys = Object.entries(config.aptSources ?? {});
    if (keys.length > 0) body.bootcmd = keys.map(([name, s]) => ['sh', '-c', fetchKeyScript(name, s)]);
  }
  if (config.packages?.length) {
    body.package_update = true;
    body.packages = config.packages.map((p) => (typeof p === 'string' ? p : [...p]));
  }
  if (config.writeFiles?.length) {
    body.write_files = config.writeFiles.map((f) => ({
      path: f.path,
      // cloud-init's defaults (0644, root:root) are left unsaid: EC2 caps user data at 16 KB.
      ...(f.permissions !== undefined && f.permissions !== '0644' ? { permissions: f.permissions } : {}),
      ...(f.owner !== undefined && f.owner !== 'root:root' ? { owner: f.owner } : {}),
      ...(f.defer ? { defer: true } : {}),
      content: f.content,
    }));
  }
  if (config.runcmd?.length) body.runcmd = config.runcmd.map((c) => [...c]);
  // A block mapping is its entries one after another, and a block sequence (not indented under its
  // key) its items: each is rendered on its own, and the ones every host shares only once.
  if (Object.keys(body).length === 0) return '#cloud-config\n' + renderYamlOnce(body);
  const lines = Object.entries(body).map(([key, value]) => (Array.isArray(value) && value.length > 0
    ? `${key}:\n${value.map((item) => renderYamlOnce([item])).join('')}`
    : renderYamlOnce({ [key]: value })));
  return '#cloud-config\n' + lines.join('');
}

/** Rendered cloud-config parts by their content: the hosts of a region share most of them. */
const RENDERED = new Map<string, string>();
const RENDERED_LIMIT = 2000;

function renderYamlOnce(value: unknown): string {
  const key = JSON.stringify(value);
  let text = RENDERED.get(key);
  if (text === undefined) {
    // Every value is spelled out (no anchors and aliases), and a cloud-config has no directives:
    // both options also spare the yaml package a walk over the document.
    const doc = new Document(value, { aliasDuplicateObjects: false });
    // Multi-line contents as literal blocks, never folded: what cloud-init writes is what reviewers read.
    text = doc.toString({ lineWidth: 0, blockQuote: 'literal', directives: false, indentSeq: false });
    if (RENDERED.size >= RENDERED_LIMIT) RENDERED.clear();
    RENDERED.set(key, text);
  }
  return text;
}
