// A quick, deliberately rough input-token count for the pre-request estimate (SPEC §5): the
// reservation only has to be close, because it is replaced by the metered cost afterwards.

/** ~4 bytes of English text per token (OpenAI's and Anthropic's rule of thumb). */
const BYTES_PER_TOKEN = 4;
/**
 * An image costs by its pixels, not its encoded size: Anthropic bills up to ~1,600 tokens for
 * an image at the size it scales images down to; OpenAI's tile counts are lower. Counting
 * base64 bytes instead would reserve a megabyte photo as 250,000 tokens.
 */
export const IMAGE_TOKENS = 1_600;
/** Content parts that are images, in each API's request shape. */
const IMAGE_PARTS: ReadonlySet<string> = new Set(['image_url', 'input_image', 'image']);

/**
 * The UTF-8 bytes of every string in the request (messages, system prompt, tools, instructions)
 * divided by 4, plus IMAGE_TOKENS per image part, plus one per number (parameters are few;
 * token-id arrays are many). Keys and JSON punctuation are not counted; documents and audio
 * count by their (base64) bytes, which over-reserves them.
 */
export function estimateInputTokens(body: unknown): number {
  let bytes = 0;
  let tokens = 0;
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      bytes += Buffer.byteLength(value, 'utf8');
    } else if (typeof value === 'number') {
      // Embeddings and legacy completions accept token-id arrays as input.
      tokens++;
    } else if (typeof value === 'object' && value !== null) {
      const part = value as Record<string, unknown>;
      if (typeof part.type === 'string' && IMAGE_PARTS.has(part.type)) tokens += IMAGE_TOKENS;
      else for (const child of Array.isArray(value) ? value : Object.values(part)) stack.push(child);
    }
  }
  return Math.ceil(bytes / BYTES_PER_TOKEN) + tokens;
}
