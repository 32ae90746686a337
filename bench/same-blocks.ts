// A floor is only a floor if it synthesizes what it stands for: bench/run.ts and the floors' test check it.
import * as fs from 'fs';
import * as path from 'path';

/** Every block of a stack a floor must reproduce: all of `cdk.tf.json` but cdktf's `//` metadata. */
export const COMPARED_BLOCKS = ['terraform', 'provider', 'resource', 'data', 'ephemeral', 'variable', 'output'] as const;

/** Throws unless two output folders hold the same stacks with equal blocks (COMPARED_BLOCKS; `//` metadata aside), naming the first that differs. */
export function assertSameBlocks(appOut: string, floorOut: string): void {
  const read = (dir: string, stack: string): Record<string, unknown> =>
    JSON.parse(fs.readFileSync(path.join(dir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
  const text = (value: unknown): string => JSON.stringify(value ?? {}, (key, v: unknown) => (key === '//' ? undefined : v));
  const stacks = fs.readdirSync(path.join(appOut, 'stacks')).sort();
  const floorStacks = fs.readdirSync(path.join(floorOut, 'stacks')).sort();
  if (stacks.join() !== floorStacks.join()) throw new Error(`floor ${floorOut} has stacks ${floorStacks.join(', ')}, not ${stacks.join(', ')}`);
  for (const stack of stacks) {
    const [app, floor] = [read(appOut, stack), read(floorOut, stack)];
    // A block outside COMPARED_BLOCKS, in either file, would go unchecked: refused.
    const unknown = [...new Set([...Object.keys(app), ...Object.keys(floor)])].filter((k) => k !== '//' && !(COMPARED_BLOCKS as readonly string[]).includes(k));
    if (unknown.length > 0) throw new Error(`stack ${stack}: blocks the comparison does not cover, in ${appOut} or ${floorOut}: ${unknown.join(', ')}`);
    const differs = COMPARED_BLOCKS.find((k) => text(app[k]) !== text(floor[k]));
    if (differs) throw new Error(`floor ${floorOut}: stack ${stack} differs from ${appOut} in its ${differs} block`);
  }
}

