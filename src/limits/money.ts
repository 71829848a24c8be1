// USD ↔ integer nano-dollars (SPEC §5). The store only ever adds integers, so a million
// increments of $0.000001 sum to exactly $1; floats appear only at the edges (config limits,
// metered costs in, reported spend out).
import { NANO_PER_USD } from './types.ts';

/**
 * Rounded up to whole nano-dollars, so a configured charge is never rounded to free. Rounding
 * to pico first absorbs binary noise (0.3 × 1e9 = 300000000.00000006) that the ceiling would
 * otherwise turn into an extra nano-dollar. Throws beyond 2^53 nano (~$9M): Lua and JS
 * numbers stay exact below.
 */
export function usdToNano(usd: number): number {
  const nano = Math.ceil(Math.round(usd * NANO_PER_USD * 1000) / 1000);
  if (!Number.isSafeInteger(nano) || nano < 0) throw new RangeError(`amount out of range: ${usd} USD`);
  return nano;
}

export function nanoToUsd(nano: number): number {
  return nano / NANO_PER_USD;
}
