// Buffers a request body when a stage must see all of it before forwarding: an LLM request to
// estimate its cost and maybe add `stream_options`, or a request held for human approval.
// Bounded by the size limit, so buffering cannot be turned into unbounded memory.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors.ts';

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      throw new GatewayError('request_too_large', `request body is over the limit of ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
