// Token usage as the providers report it, in one shape for pricing (SPEC §5).

export interface Usage {
  /** The model the provider says answered (often a dated id: `gpt-4o-mini-2024-07-18`). */
  readonly model: string | null;
  /**
   * OpenAI: prompt/input tokens, cached ones included. Anthropic: `input_tokens`, which
   * excludes cache reads and writes.
   */
  readonly inputTokens: number;
  /** Reasoning/thinking tokens included: both providers bill them as output. */
  readonly outputTokens: number;
  /** OpenAI `cached_tokens`: the part of `inputTokens` served from the prompt cache. */
  readonly cachedInputTokens: number;
  /** Anthropic `cache_read_input_tokens`: not part of `inputTokens`. */
  readonly cacheReadTokens: number;
  /** Anthropic `cache_creation_input_tokens`: not part of `inputTokens`. */
  readonly cacheWriteTokens: number;
}

export const NO_USAGE: Usage = Object.freeze({
  model: null,
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
});

/** A token count from untrusted JSON: anything but a non-negative safe integer counts as 0. */
export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/**
 * Field by field, the later report wins unless it is zero. Anthropic streams report usage
 * twice: `message_start` carries the input counts, and the final, cumulative `message_delta`
 * carries the output count and may repeat the inputs as 0 or leave them out — a zero there
 * means "not reported here", never "none were used".
 */
export function mergeUsage(earlier: Usage | null, later: Usage): Usage {
  if (earlier === null) return later;
  const pick = (a: number, b: number): number => (b !== 0 ? b : a);
  return {
    model: later.model ?? earlier.model,
    inputTokens: pick(earlier.inputTokens, later.inputTokens),
    outputTokens: pick(earlier.outputTokens, later.outputTokens),
    cachedInputTokens: pick(earlier.cachedInputTokens, later.cachedInputTokens),
    cacheReadTokens: pick(earlier.cacheReadTokens, later.cacheReadTokens),
    cacheWriteTokens: pick(earlier.cacheWriteTokens, later.cacheWriteTokens),
  };
}
