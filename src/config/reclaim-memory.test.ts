import { describe, expect, it } from 'vitest';
import { reclaimMemory } from './reclaim-memory.ts';

describe('reclaimMemory', () => {
  it('gives pages left by a large, dead allocation back to the OS, and skips a small heap', () => {
    let garbage: { readonly i: number; readonly s: string }[] | null = [];
    for (let i = 0; i < 2_500_000; i++) garbage.push({ i, s: `entry ${i}` });
    expect(process.memoryUsage().heapTotal).toBeGreaterThan(128 * 1_048_576);
    garbage = null;
    const freed = reclaimMemory();
    expect(freed).not.toBeNull();
    expect(freed).toBeGreaterThan(50);
    expect(process.memoryUsage().heapTotal).toBeLessThan(128 * 1_048_576);
    expect(reclaimMemory()).toBeNull();
  });
});
