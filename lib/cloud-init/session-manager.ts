/**
 * SSM Session Manager on Debian hosts. Debian's cloud images carry no SSM agent, so the user data
 * installs AWS's package from the region's own agent bucket, over HTTPS, and enables it; the
 * instance role needs `AmazonSSMManagedInstanceCore`. Operators then reach a host with
 * `aws ssm start-session --target <instance id>`: no key pair, no port 22.
 */

/** The regional HTTPS URL of AWS's SSM agent package for the host's Debian architecture (`$arch`). */
export function sessionManagerAgentUrl(region: string): string {
  return `https://s3.${region}.amazonaws.com/amazon-ssm-${region}/latest/debian_$arch/amazon-ssm-agent.deb`;
}

/** A runcmd entry that installs and starts the SSM agent once (idempotent on every boot). */
export function sessionManagerAgentCommand(region: string): string[] {
  return ['sh', '-c', [
    'set -eu',
    'if ! dpkg -s amazon-ssm-agent >/dev/null 2>&1; then',
    '  arch="$(dpkg --print-architecture)"; tmp="$(mktemp --suffix=.deb)"',
    `  curl -fsSL --proto '=https' --tlsv1.2 --retry 5 --retry-connrefused -o "$tmp" "${sessionManagerAgentUrl(region)}"`,
    '  dpkg -i "$tmp"; rm -f "$tmp"',
    'fi',
    'systemctl enable --now amazon-ssm-agent',
  ].join('\n')];
}
