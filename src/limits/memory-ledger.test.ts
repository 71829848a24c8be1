import { describe, expect, it } from 'vitest';
import { RateLog } from './memory-ledger.ts';

describe('RateLog', () => {
  it('counts and waits exactly as a plain list of admissions would, through many trims and a clock that steps back', () => {
    const periodMs = 1_000;
    const limit = 50;
    const log = new RateLog(periodMs);
    // What a trim forgets stays forgotten, even if the clock then steps back.
    let kept: number[] = [];
    let seed = 11;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    let now = 0;
    let refusals = 0;
    for (let step = 0; step < 20_000; step++) {
      // Mostly forward in small steps, sometimes a pause longer than the period, now and then
      // back (rarely by more than the period, behind entries already forgotten).
      const r = random();
      now += r < 0.02 ? 1_500 : r < 0.025 ? -1_200 : r < 0.05 ? -5 : Math.floor(random() * 40);
      kept = kept.filter((t) => t > now - periodMs);
      expect(log.trim(now, periodMs)).toBe(kept.length);
      if (kept.length >= limit) {
        refusals++;
        expect(log.waitMs(now, limit)).toBe((kept[kept.length - limit] as number) + periodMs - now);
      } else {
        log.add(now);
        kept = [...kept, now].sort((a, b) => a - b);
      }
      expect(log.expired(now)).toBe((kept[kept.length - 1] ?? -Infinity) <= now - periodMs);
    }
    expect(refusals).toBeGreaterThan(1_000);
  });
});
