import { describe, expect, it } from 'vitest';
import { priceTable } from './fixtures/price-table.ts';
import { settleNano, type UpstreamOutcome } from './settle.ts';
import { NO_USAGE, type Usage } from './usage.ts';

const prices = priceTable(false);
const RESERVED = 500_000;
const final: Usage = { ...NO_USAGE, model: 'gpt-4o-mini-2024-07-18', inputTokens: 1000, outputTokens: 100 }; // 210,000 nano
const big: Usage = { ...final, outputTokens: 10_000 }; // 6,150,000 nano

function settle(outcome: UpstreamOutcome, requestModel: string | null = 'gpt-4o-mini'): number {
  return settleNano({ outcome, reservedNano: RESERVED, requestModel, prices });
}
const response = (status: number, usage: Usage | null, usageFinal: boolean): UpstreamOutcome => ({ kind: 'response', status, usage, usageFinal });

describe('settleNano', () => {
  it('settles a request that got no response at all to zero', () => {
    expect(settle({ kind: 'no-response' })).toBe(0);
  });

  it('charges exactly the final usage, below or above the reservation', () => {
    expect(settle(response(200, final, true))).toBe(210_000);
    expect(settle(response(200, big, true))).toBe(6_150_000);
  });

  it('charges the reservation, or the usage so far if higher, when the final count never came', () => {
    expect(settle(response(200, null, false))).toBe(RESERVED);
    expect(settle(response(200, final, false))).toBe(RESERVED);
    expect(settle(response(200, big, false))).toBe(6_150_000);
  });

  it('charges nothing for an error response without usage', () => {
    expect(settle(response(429, null, false))).toBe(0);
    expect(settle(response(500, null, false))).toBe(0);
  });

  it('prices usage by the requested model when the answering one has no entry of its own', () => {
    const renamed = { ...final, model: 'gpt-4o-mini-turbo-preview-x' };
    expect(settle(response(200, renamed, true))).toBe(210_000); // matched by prefix gpt-4o-mini
    const unknown = { ...final, model: 'mystery' };
    expect(settle(response(200, unknown, true))).toBe(210_000);
    expect(settleNano({ outcome: response(200, unknown, true), reservedNano: RESERVED, requestModel: null, prices })).toBe(RESERVED);
  });
});
