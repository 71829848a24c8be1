// The per-response metering wrapper the forwarder runs every body chunk through (STYLE:
// "wrap, don't branch"). It picks JSON or SSE metering from the response's content type.
//
// Use: onHeaders(content-type) once; transform(chunk) for each chunk, sending what it returns
// (null: nothing to send yet); at the end of the body flush() and send what it returns; then
// finish() for the usage. On an aborted response skip flush() and call finish().
import { anthropicUsage } from './anthropic.ts';
import { JsonMeter } from './json-meter.ts';
import { openAiUsage } from './openai.ts';
import type { ProviderKind, UsageReader } from './provider.ts';
import { SseMeter } from './sse-meter.ts';
import type { Usage } from './usage.ts';

export interface ResponseMeterOptions {
  /** Remove the usage-only chunk the gateway asked for (EstimateResult.stripUsageChunk). */
  readonly stripUsageChunk: boolean;
}

export interface ResponseMeter {
  onHeaders(contentType: string | undefined): void;
  /** The bytes to send on: the same Buffer when nothing was removed or held back. */
  transform(chunk: Buffer): Buffer | null;
  /** Bytes held back at the end of the body (an event without its final blank line). */
  flush(): Buffer | null;
  /** The usage seen, or null when none was. */
  finish(): Usage | null;
  /**
   * Whether the usage is the provider's final count (JSON `usage`, the chat usage chunk,
   * `response.completed`/`incomplete`, Anthropic `message_delta`) rather than a count so far
   * (Anthropic `message_start`) — see settleNano.
   */
  readonly final: boolean;
}

const READERS: Record<ProviderKind, UsageReader> = { openai: openAiUsage, anthropic: anthropicUsage };

export function createResponseMeter(kind: ProviderKind, options: ResponseMeterOptions): ResponseMeter {
  return new ContentTypeMeter(READERS[kind], options.stripUsageChunk);
}

type BodyKind = 'json' | 'sse' | 'other';

class ContentTypeMeter implements ResponseMeter {
  readonly #reader: UsageReader;
  readonly #strip: boolean;
  /** undefined until onHeaders; null for a body that carries no usage. */
  #body: JsonMeter | SseMeter | null | undefined = undefined;

  constructor(reader: UsageReader, strip: boolean) {
    this.#reader = reader;
    this.#strip = strip;
  }

  onHeaders(contentType: string | undefined): void {
    const kind = bodyKind(contentType);
    this.#body = kind === 'sse' ? new SseMeter(this.#reader, this.#strip) : kind === 'json' ? new JsonMeter(this.#reader) : null;
  }

  transform(chunk: Buffer): Buffer | null {
    if (this.#body === undefined) this.onHeaders(undefined);
    return this.#body ? this.#body.transform(chunk) : chunk;
  }

  flush(): Buffer | null {
    return this.#body instanceof SseMeter ? this.#body.flush() : null;
  }

  finish(): Usage | null {
    if (this.#body instanceof SseMeter) {
      this.#body.flush();
      return this.#body.usage;
    }
    return this.#body ? this.#body.usage() : null;
  }

  get final(): boolean {
    if (this.#body instanceof SseMeter) return this.#body.final;
    return this.#body ? this.#body.usage() !== null : false;
  }
}

/**
 * A missing content type is read as JSON (the providers always send one; a bare error body
 * then simply yields no usage). Other types — audio, images, files — carry no token usage.
 */
function bodyKind(contentType: string | undefined): BodyKind {
  if (contentType === undefined) return 'json';
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'text/event-stream') return 'sse';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  return 'other';
}
