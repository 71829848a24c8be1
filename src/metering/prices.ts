// Model → price (SPEC §4 `prices`) and usage → cost in integer nano-dollars (SPEC §5).
import type { PriceSpec } from '../config/schema.ts';
import type { Usage } from './usage.ts';

export interface PriceList {
  readonly default: PriceSpec | null;
  readonly models: ReadonlyMap<string, PriceSpec>;
}

/** 1 USD = 1e9 nano-dollars: every amount the store adds up is an integer, so sums are exact. */
export class PriceTable {
  readonly #models: ReadonlyMap<string, PriceSpec>;
  readonly #default: PriceSpec | null;

  constructor(prices: PriceList) {
    this.#models = new Map(prices.models);
    this.#default = prices.default;
  }

  /**
   * SPEC §4: the entry named exactly, else the longest entry that is a prefix followed by `-`
   * (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`), else the default; null means the model must
   * be refused, never served free. Walking the model's own `-` positions from the right finds
   * the longest prefix in a handful of map lookups, with no cache an agent could grow by
   * sending made-up model names.
   */
  lookup(model: string): PriceSpec | null {
    return this.entryFor(model) ?? this.#default;
  }

  /** The model's own entry, exact or by prefix, without falling back to the default. */
  entryFor(model: string): PriceSpec | null {
    const exact = this.#models.get(model);
    if (exact !== undefined) return exact;
    for (let dash = model.lastIndexOf('-'); dash > 0; dash = model.lastIndexOf('-', dash - 1)) {
      const entry = this.#models.get(model.slice(0, dash));
      if (entry !== undefined) return entry;
    }
    return null;
  }
}

/**
 * The cost of `usage` at `price`, in nano-dollars, rounded up (never free). Each token class
 * is billed once at its own rate:
 * - OpenAI `prompt_tokens` include the cached ones, so the input rate applies to
 *   (input − cached) and `cached_input_per_mtok` (else the input rate) to the cached part;
 * - Anthropic `input_tokens` already exclude cache reads and writes, which are billed at
 *   `cache_read_per_mtok` / `cache_write_per_mtok` (else the input rate).
 * Arithmetic is in BigInt pico-dollars (USD per Mtok × 1e6 = pico-dollars per token) so
 * neither binary fractions like 0.075 nor million-token counts lose a digit.
 */
export function costNano(price: PriceSpec, usage: Usage): number {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const pico =
    tokensAt(usage.inputTokens - cached, price.input_per_mtok) +
    tokensAt(cached, price.cached_input_per_mtok ?? price.input_per_mtok) +
    tokensAt(usage.cacheReadTokens, price.cache_read_per_mtok ?? price.input_per_mtok) +
    tokensAt(usage.cacheWriteTokens, price.cache_write_per_mtok ?? price.input_per_mtok) +
    tokensAt(usage.outputTokens, price.output_per_mtok);
  return Number((pico + 999n) / 1000n);
}

function tokensAt(tokens: number, usdPerMtok: number): bigint {
  return BigInt(tokens) * BigInt(Math.round(usdPerMtok * 1e6));
}
