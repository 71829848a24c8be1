// OpenAI usage: chat completions and embeddings (`prompt_tokens`, `completion_tokens`,
// `prompt_tokens_details.cached_tokens`) and the Responses API (`input_tokens`,
// `output_tokens`, `input_tokens_details.cached_tokens`). In both, the cached tokens are part
// of the input count. Shapes: https://platform.openai.com/docs/api-reference/chat/object,
// .../chat-streaming, .../responses/object and .../responses-streaming.
import { isObject, modelName, type EventUsage, type UsageReader } from './provider.ts';
import { tokenCount, type Usage } from './usage.ts';

/** Responses API stream events whose `response` is the finished object, usage included. */
const RESPONSE_END_EVENTS: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export const openAiUsage: UsageReader = {
  fromBody(model: unknown, usage: unknown): Usage | null {
    return readUsage(modelName(model), usage);
  },

  fromEvent(data: unknown): EventUsage | null {
    if (!isObject(data)) return null;
    if (typeof data.type === 'string' && isObject(data.response)) {
      if (!RESPONSE_END_EVENTS.has(data.type)) return null;
      const usage = readUsage(modelName(data.response.model), data.response.usage);
      return usage === null ? null : { usage, final: true };
    }
    // Chat completions: only the chunk added by `stream_options.include_usage` has a usage
    // object (the others carry `"usage": null`), and it comes after the last choice.
    const usage = readUsage(modelName(data.model), data.usage);
    return usage === null ? null : { usage, final: true };
  },
};

/**
 * The chunk `include_usage` adds to a chat completions stream: `choices: []` and a usage
 * object. When the gateway asked for it on the agent's behalf, this is what gets removed.
 */
export function isUsageOnlyChunk(data: unknown): boolean {
  return isObject(data) && data.object === 'chat.completion.chunk' && Array.isArray(data.choices) &&
    data.choices.length === 0 && isObject(data.usage);
}

/**
 * Any other chunk of such a stream: `include_usage` also adds `"usage":null` to each of them
 * (the chat streaming reference), a member the agent's stream would not have had.
 */
export function hasNullUsage(data: unknown): boolean {
  return isObject(data) && data.object === 'chat.completion.chunk' && data.usage === null;
}

function readUsage(model: string | null, usage: unknown): Usage | null {
  if (!isObject(usage)) return null;
  const details = isObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details
    : isObject(usage.input_tokens_details) ? usage.input_tokens_details : null;
  return {
    model,
    inputTokens: tokenCount(usage.prompt_tokens ?? usage.input_tokens),
    outputTokens: tokenCount(usage.completion_tokens ?? usage.output_tokens),
    cachedInputTokens: tokenCount(details?.cached_tokens),
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
}
