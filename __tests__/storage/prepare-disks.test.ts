import { spawnSync } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { renderStorageDisksScript } from '../../lib/cloud-init/storage-disks';

/**
 * The disk script runs against a fake machine: a sysfs with NVMe controllers (the root EBS volume,
 * two instance-store devices, the EBS data volume attached as sdf) and stub nvme/blkid/mkfs/mdadm/
 * mount commands that keep their state in files. What matters most: a volume that holds data is
 * never formatted, and the RAID is assembled after a reboot but rebuilt after a stop/start.
 */
const EBS = 'Amazon Elastic Block Store';
const STORE = 'Amazon EC2 NVMe Instance Storage';

const STUBS: Record<string, string> = {
  // The EBS controller's vendor-specific data carries the attachment's device name at byte 3072.
  nvme: `[ "$1 $2" = "id-ctrl --raw-binary" ] || exit 2
name=$(cat "$STATE/ebs-name-$(basename "$3")" 2>/dev/null || true)
head -c 3072 /dev/zero; printf '%-32s' "$name" | tr ' ' '\\0'`,
  blkid: '[ -e "$STATE/fs-$(basename "$1")" ]',
  'mkfs.xfs': 'dev="${!#}"; touch "$STATE/fs-$(basename "$dev")"',
  mdadm: `case "$1" in
  --examine) [ -e "$STATE/raid-member-$(basename "$2")" ] ;;
  --assemble) mkdir -p "$(dirname "$2")"; touch "$2" ;;
  --create) mkdir -p "$(dirname "$2")"; touch "$2"; for a in "$@"; do case "$a" in */nvme*) touch "$STATE/raid-member-$(basename "$a")";; esac; done ;;
  *) exit 2 ;;
esac`,
  mountpoint: '[ -e "$STATE/mounted-$(echo "$2" | tr / _)" ]',
  mount: 'touch "$STATE/mounted-$(echo "${!#}" | tr / _)"',
};

describe('the storage disk script on a fake machine', () => {
  const root = mkdtempSync(join(tmpdir(), 'prepare-disks-'));
  const [sys, dev, bin, state, mnt] = ['sys', 'dev', 'bin', 'state', 'mnt'].map((d) => join(root, d));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(() => {
    for (const d of [dev, bin, state, mnt]) mkdirSync(d, { recursive: true });
    const devices: [string, string, string?][] = [['nvme0n1', EBS, 'xvda'], ['nvme1n1', STORE], ['nvme2n1', STORE], ['nvme3n1', EBS, '/dev/sdf']];
    for (const [name, model, ebsName] of devices) {
      mkdirSync(join(sys, 'block', name, 'device'), { recursive: true });
      writeFileSync(join(sys, 'block', name, 'device', 'model'), model.padEnd(40, ' ') + '\n');
      if (ebsName) writeFileSync(join(state, `ebs-name-${name}`), ebsName);
    }
    for (const [name, body] of Object.entries(STUBS)) {
      writeFileSync(join(bin, name), `#!/bin/bash\necho "${name} $*" >> "$STATE/calls.log"\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    }
  });

  const script = renderStorageDisksScript({
    mounts: { hot: join(mnt, 'nvme'), data: join(mnt, 'clickhouse') },
    dataVolumeDevice: '/dev/sdf',
    minInstanceStoreDevices: 2,
    owner: 'root',
    directories: [join(mnt, 'nvme', 'clickhouse'), join(mnt, 'clickhouse', 'disks', 'ebs')],
  });

  /** One boot: runs the script and returns the stub calls it made. */
  function boot(): { status: number | null; calls: string[]; stderr: string } {
    rmSync(join(state, 'calls.log'), { force: true });
    const run = spawnSync('bash', ['--noprofile', '--norc', '-c', script], {
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, STATE: state, PREPARE_DISKS_SYSFS: sys, PREPARE_DISKS_DEV: dev },
    });
    let calls: string[] = [];
    try {
      calls = readFileSync(join(state, 'calls.log'), 'utf8').trim().split('\n').map((c) => c.split(root).join(''));
    } catch { /* no calls */ }
    return { status: run.status, calls, stderr: run.stderr };
  }

  /** A reboot keeps every disk; a stop/start hands the instance blank instance-store devices. */
  function shutdown(kind: 'reboot' | 'stop-start'): void {
    for (const f of readdirSync(state)) {
      if (f.startsWith('mounted-') || (kind === 'stop-start' && (f.startsWith('raid-member-') || f === 'fs-ch-hot'))) rmSync(join(state, f));
    }
    rmSync(join(dev, 'md'), { recursive: true, force: true });
  }

  test('first boot: formats the blank data volume (found by its device name, not the root volume) and builds the RAID', () => {
    const { status, calls, stderr } = boot();
    expect(stderr).toMatch(/data volume \S*\/dev\/nvme3n1 on /);
    expect(status).toBe(0);
    expect(calls.filter((c) => c.startsWith('mkfs.xfs'))).toEqual(['mkfs.xfs -L data /dev/nvme3n1', 'mkfs.xfs -f -L ch-hot /dev/md/ch-hot']);
    expect(calls).toContain('mdadm --create /dev/md/ch-hot --name=ch-hot --level=0 --raid-devices=2 --force --run /dev/nvme1n1 /dev/nvme2n1');
    expect(calls.filter((c) => c.startsWith('mount '))).toEqual([
      'mount -o noatime /dev/nvme3n1 /mnt/clickhouse', 'mount -o noatime,discard /dev/md/ch-hot /mnt/nvme',
    ]);
  });

  test('reboot: formats nothing, re-assembles the RAID', () => {
    shutdown('reboot');
    const { status, calls } = boot();
    expect(status).toBe(0);
    expect(calls.filter((c) => c.startsWith('mkfs') || c.startsWith('mdadm --create'))).toEqual([]);
    expect(calls).toContain('mdadm --assemble /dev/md/ch-hot /dev/nvme1n1 /dev/nvme2n1');
  });

  test('stop/start: keeps the data volume as it is, rebuilds the RAID on the blank instance store', () => {
    shutdown('stop-start');
    const { status, calls } = boot();
    expect(status).toBe(0);
    expect(calls.some((c) => c.includes('nvme3n1') && c.startsWith('mkfs'))).toBe(false);
    expect(calls.filter((c) => c.startsWith('mkfs.xfs'))).toEqual(['mkfs.xfs -f -L ch-hot /dev/md/ch-hot']);
    expect(calls.some((c) => c.startsWith('mdadm --create'))).toBe(true);
  });

  test('too few instance-store devices: fails before touching anything on them', () => {
    shutdown('stop-start');
    rmSync(join(state, 'calls.log'), { force: true });
    const strict = renderStorageDisksScript({ mounts: { hot: join(mnt, 'nvme'), data: join(mnt, 'clickhouse') }, dataVolumeDevice: '/dev/sdf', minInstanceStoreDevices: 16, owner: 'root' });
    const run = spawnSync('bash', ['--noprofile', '--norc', '-c', strict], {
      encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}`, STATE: state, PREPARE_DISKS_SYSFS: sys, PREPARE_DISKS_DEV: dev },
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/found 2 instance-store devices, expected at least 16/);
    expect(readFileSync(join(state, 'calls.log'), 'utf8')).not.toMatch(/mdadm --create/);
  });
});
