// Before forwarding an LLM request: which model, what it may cost at most (the budget
// reservation, SPEC §5), and whether the body must ask for streamed usage.
import { estimateInputTokens } from './input-tokens.ts';
import { costNano, type PriceTable } from './prices.ts';
import { isObject, modelName, type ProviderKind } from './provider.ts';
import { NO_USAGE } from './usage.ts';

export type EstimateResult =
  | {
    readonly ok: true;
    /** null: the body is not a JSON object naming a model (not JSON, GET, a file upload…). */
    readonly model: string | null;
    /**
     * The reservation in nano-dollars; null when there is nothing to price it from (no model),
     * in which case the rule's `reserve_usd` applies.
     */
    readonly estimateNano: number | null;
    /** The body to send instead of the agent's, or null to send the agent's own bytes. */
    readonly rewrittenBody: Buffer | null;
    /** The response meter must remove the usage-only chunk the rewrite asked for. */
    readonly stripUsageChunk: boolean;
  }
  | {
    readonly ok: false;
    /** The model has no price and there is no default: refuse, never serve free (SPEC §5). */
    readonly reason: string;
  };

/**
 * Output reserved when the request sets no maximum: OpenAI lets the model run to its own
 * limit then, and 16,384 is GPT-4o's. Reasoning models can exceed it; their requests usually
 * set `max_completion_tokens` / `max_output_tokens`, and every excess is still metered.
 */
export const DEFAULT_MAX_OUTPUT_TOKENS = 16_384;

/** Request fields that cap the output, in the order the APIs give them precedence. */
const MAX_OUTPUT_FIELDS = ['max_completion_tokens', 'max_tokens', 'max_output_tokens'] as const;

export function estimateRequest(kind: ProviderKind, path: string, body: Buffer, prices: PriceTable): EstimateResult {
  const endpoint = path.split('?', 1)[0]!;
  const request = parseObject(body);
  const model = modelName(request?.model);
  if (request === null || model === null) {
    return { ok: true, model: null, estimateNano: null, rewrittenBody: null, stripUsageChunk: false };
  }
  const price = prices.lookup(model);
  if (price === null) return { ok: false, reason: `no price for model '${model}' and no default price` };

  // Anthropic's token counting endpoint is free of charge.
  const free = kind === 'anthropic' && endpoint.endsWith('/count_tokens');
  const estimateNano = free ? 0 : costNano(price, {
    ...NO_USAGE,
    inputTokens: estimateInputTokens(request),
    outputTokens: endpoint.endsWith('/embeddings') ? 0 : maxOutputTokens(request),
  });

  const wantsUsage = kind === 'openai' && endpoint.endsWith('/chat/completions') && request.stream === true &&
    !(isObject(request.stream_options) && request.stream_options.include_usage === true);
  return {
    ok: true,
    model,
    estimateNano,
    rewrittenBody: wantsUsage ? withIncludeUsage(body, request) : null,
    stripUsageChunk: wantsUsage,
  };
}

function parseObject(body: Buffer): Record<string, unknown> | null {
  if (body.length === 0) return null;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function maxOutputTokens(request: Record<string, unknown>): number {
  let max = DEFAULT_MAX_OUTPUT_TOKENS;
  for (const field of MAX_OUTPUT_FIELDS) {
    const value = request[field];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      max = value;
      break;
    }
  }
  // Chat completions' `n` asks for that many choices, each up to the maximum.
  const choices = typeof request.n === 'number' && Number.isSafeInteger(request.n) && request.n > 1 ? request.n : 1;
  return max * choices;
}

/**
 * Without `stream_options.include_usage` a chat completions stream reports no usage at all.
 * When the agent sent no `stream_options`, the member is spliced in after the opening brace
 * and every byte the agent wrote is kept (re-serialising would round 64-bit integers such as
 * `seed`); an existing `stream_options` is rewritten through JSON.
 */
function withIncludeUsage(body: Buffer, request: Record<string, unknown>): Buffer {
  if (request.stream_options === undefined) {
    const brace = body.indexOf(0x7b);
    return Buffer.concat([body.subarray(0, brace + 1), Buffer.from('"stream_options":{"include_usage":true},'), body.subarray(brace + 1)]);
  }
  const options = isObject(request.stream_options) ? request.stream_options : {};
  return Buffer.from(JSON.stringify({ ...request, stream_options: { ...options, include_usage: true } }));
}
