import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICE, priceTable, TEST_PRICES } from './fixtures/price-table.ts';
import { nanoToUsd, usdToNano } from '../limits/money.ts';
import { costNano, PriceTable } from './prices.ts';
import { NO_USAGE } from './usage.ts';

describe('PriceTable.lookup', () => {
  const table = priceTable(false);

  it('matches an entry exactly', () => {
    expect(table.lookup('gpt-4o')).toBe(TEST_PRICES.get('gpt-4o'));
    expect(table.lookup('gpt-4o-mini')).toBe(TEST_PRICES.get('gpt-4o-mini'));
  });

  it('else takes the longest entry that is a prefix followed by -', () => {
    expect(table.lookup('gpt-4o-mini-2024-07-18')).toBe(TEST_PRICES.get('gpt-4o-mini'));
    expect(table.lookup('gpt-4o-2024-08-06')).toBe(TEST_PRICES.get('gpt-4o'));
    expect(table.lookup('claude-sonnet-4-5-20250929')).toBe(TEST_PRICES.get('claude-sonnet-4-5'));
  });

  it('does not match a prefix that ends mid-word', () => {
    expect(table.lookup('gpt-4omni')).toBeNull();
    expect(table.lookup('gpt-4.1x')).toBeNull();
    expect(table.lookup('claude-sonnet-4')).toBeNull();
  });

  it('refuses (null) an unknown model when there is no default, never prices it at zero', () => {
    expect(table.lookup('gpt-9')).toBeNull();
    expect(table.lookup('')).toBeNull();
  });

  it('falls back to the default price for an unknown model when one is configured', () => {
    const withDefault = priceTable(true);
    expect(withDefault.lookup('gpt-9-turbo')).toBe(DEFAULT_PRICE);
    expect(withDefault.lookup('gpt-4o-mini-2024-07-18')).toBe(TEST_PRICES.get('gpt-4o-mini'));
    expect(withDefault.entryFor('gpt-9-turbo')).toBeNull();
  });

  it('keeps its own copy of the entries', () => {
    const models = new Map(TEST_PRICES);
    const copy = new PriceTable({ default: null, models });
    models.delete('gpt-4o');
    expect(copy.lookup('gpt-4o')).toBe(TEST_PRICES.get('gpt-4o'));
  });
});

describe('costNano', () => {
  const mini = TEST_PRICES.get('gpt-4o-mini')!;
  const sonnet = TEST_PRICES.get('claude-sonnet-4-5')!;

  it('prices OpenAI cached tokens at the cached rate and only there', () => {
    // (2006 − 1920) × 0.15 + 1920 × 0.075 + 300 × 0.60 = 336.9 µUSD
    const usage = { ...NO_USAGE, inputTokens: 2006, cachedInputTokens: 1920, outputTokens: 300 };
    expect(costNano(mini, usage)).toBe(336_900);
    expect(Math.abs(nanoToUsd(costNano(mini, usage)) - 0.0003369)).toBeLessThanOrEqual(1e-9);
  });

  it('prices Anthropic cache reads and writes on top of input_tokens', () => {
    // 2095 × 3 + 2051 × 3.75 + 40112 × 0.30 + 503 × 15 = 33554.85 µUSD
    const usage = { ...NO_USAGE, inputTokens: 2095, cacheWriteTokens: 2051, cacheReadTokens: 40112, outputTokens: 503 };
    expect(costNano(sonnet, usage)).toBe(33_554_850);
  });

  it('uses the input price for cache classes the entry does not price', () => {
    const plain = { input_per_mtok: 2, output_per_mtok: 8 };
    const usage = { ...NO_USAGE, inputTokens: 1000, cachedInputTokens: 400, cacheReadTokens: 100, cacheWriteTokens: 50 };
    // 600 + 400 + 100 + 50 tokens at 2 USD/Mtok = 2300 µUSD
    expect(costNano(plain, usage)).toBe(2_300_000);
  });

  it('never bills more cached tokens than input tokens', () => {
    const usage = { ...NO_USAGE, inputTokens: 10, cachedInputTokens: 50 };
    expect(costNano(mini, usage)).toBe(750); // 10 × 0.075 USD/Mtok
  });

  it('rounds up to the next nano-dollar, so a non-zero usage is never free', () => {
    const tiny = { input_per_mtok: 0.0001, output_per_mtok: 0.0375 };
    expect(costNano(tiny, { ...NO_USAGE, inputTokens: 1 })).toBe(1); // 0.1 nano
    expect(costNano(tiny, { ...NO_USAGE, inputTokens: 10 })).toBe(1); // exactly 1 nano
    expect(costNano(tiny, { ...NO_USAGE, inputTokens: 11 })).toBe(2); // 1.1 nano
    expect(costNano(tiny, { ...NO_USAGE, outputTokens: 1 })).toBe(38); // 37.5 nano
    expect(costNano(tiny, NO_USAGE)).toBe(0);
  });

  it('is exact where float arithmetic is not', () => {
    // 0.075 × 3 in floating point is 0.22499999999999998; per token that must still be 225 nano.
    expect(costNano(mini, { ...NO_USAGE, inputTokens: 3, cachedInputTokens: 3 })).toBe(225);
    // A 100M-token month at $600/Mtok: 60,000 USD to the nano-dollar.
    expect(costNano({ input_per_mtok: 150, output_per_mtok: 600 }, { ...NO_USAGE, outputTokens: 100_000_000 })).toBe(60_000 * 1e9);
  });
});

describe('usdToNano', () => {
  it('converts configured USD amounts without binary noise, rounding sub-nano amounts up', () => {
    expect(usdToNano(0.3)).toBe(300_000_000);
    expect(usdToNano(0.002)).toBe(2_000_000);
    expect(usdToNano(50)).toBe(50_000_000_000);
    expect(usdToNano(1e-10)).toBe(1);
    expect(usdToNano(0)).toBe(0);
  });
});
