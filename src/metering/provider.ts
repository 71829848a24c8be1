// What a provider module tells the meters: where its usage is, in a JSON body and in a stream.
import type { Usage } from './usage.ts';

export type ProviderKind = 'openai' | 'anthropic';

export interface EventUsage {
  readonly usage: Usage;
  /** The provider's last word on this response: later events add nothing billable. */
  readonly final: boolean;
}

export interface UsageReader {
  /** From a complete JSON response's top-level `model` and `usage` members. */
  fromBody(model: unknown, usage: unknown): Usage | null;
  /** From one SSE event's parsed `data`; null when the event carries no usage. */
  fromEvent(data: unknown): EventUsage | null;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function modelName(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
