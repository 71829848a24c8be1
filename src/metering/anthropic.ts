// Anthropic Messages usage: `input_tokens` (cache excluded), `output_tokens`,
// `cache_read_input_tokens`, `cache_creation_input_tokens`. In a stream, `message_start`
// carries `message.usage` (input counts, output so far) and `message_delta` the cumulative,
// final counts. Shapes: https://docs.anthropic.com/en/api/messages and .../messages-streaming.
import { isObject, modelName, type EventUsage, type UsageReader } from './provider.ts';
import { tokenCount, type Usage } from './usage.ts';

export const anthropicUsage: UsageReader = {
  fromBody(model: unknown, usage: unknown): Usage | null {
    return readUsage(modelName(model), usage);
  },

  fromEvent(data: unknown): EventUsage | null {
    if (!isObject(data)) return null;
    if (data.type === 'message_start' && isObject(data.message)) {
      const usage = readUsage(modelName(data.message.model), data.message.usage);
      return usage === null ? null : { usage, final: false };
    }
    if (data.type === 'message_delta') {
      const usage = readUsage(null, data.usage);
      return usage === null ? null : { usage, final: true };
    }
    return null;
  },
};

function readUsage(model: string | null, usage: unknown): Usage | null {
  if (!isObject(usage)) return null;
  return {
    model,
    inputTokens: tokenCount(usage.input_tokens),
    outputTokens: tokenCount(usage.output_tokens),
    cachedInputTokens: 0,
    cacheReadTokens: tokenCount(usage.cache_read_input_tokens),
    cacheWriteTokens: tokenCount(usage.cache_creation_input_tokens),
  };
}
