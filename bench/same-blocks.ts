// A floor is only a floor if it synthesizes what it stands for: bench/run.ts and the floors' test check it.
import * as fs from 'fs';
import * as path from 'path';

/** Throws unless two output folders hold the same stacks with equal provider, resource and data blocks (`//` metadata aside). */
export function assertSameBlocks(appOut: string, floorOut: string): void {
  const blocks = (dir: string, stack: string): string => {
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
    return JSON.stringify(['provider', 'resource', 'data'].map((k) => json[k] ?? {}), (key, value: unknown) => (key === '//' ? undefined : value));
  };
  const stacks = fs.readdirSync(path.join(appOut, 'stacks')).sort();
  const floorStacks = fs.readdirSync(path.join(floorOut, 'stacks')).sort();
  if (stacks.join() !== floorStacks.join()) throw new Error(`floor ${floorOut} has stacks ${floorStacks.join(', ')}, not ${stacks.join(', ')}`);
  for (const stack of stacks) {
    if (blocks(appOut, stack) !== blocks(floorOut, stack)) throw new Error(`floor ${floorOut}: stack ${stack} differs from ${appOut} in its provider, resource or data blocks`);
  }
}

