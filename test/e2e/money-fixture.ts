// Shared ground of the money end-to-end tests (issue 4): the price table the configs declare
// and the expected costs are computed from, requests through a running gateway, and the
// reservation the gateway makes for a request (its own estimate, from the real estimator).
import { request, type Dispatcher } from 'undici';
import type { PriceSpec } from '../../src/config/schema.ts';
import { estimateInputTokens } from '../../src/metering/input-tokens.ts';
import { PriceTable } from '../../src/metering/prices.ts';
import { estimateRequest } from '../../src/metering/request-estimate.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { agentDispatcher, type Fixture } from './fixture.ts';

export type Model = 'gpt-4o-mini' | 'gpt-4.1' | 'claude-sonnet-4-5';

/** USD per million tokens: list prices (config/prices.yaml), written into every test config. */
export const PRICES: Readonly<Record<Model, PriceSpec>> = {
  'gpt-4o-mini': { input_per_mtok: 0.15, output_per_mtok: 0.6, cached_input_per_mtok: 0.075 },
  'gpt-4.1': { input_per_mtok: 2, output_per_mtok: 8, cached_input_per_mtok: 0.5 },
  'claude-sonnet-4-5': { input_per_mtok: 3, output_per_mtok: 15, cache_read_per_mtok: 0.3, cache_write_per_mtok: 3.75 },
};

/** The `prices:` block of a test config (no default: an unknown model is refused). */
export function pricesYaml(): string {
  return `prices:\n  models:\n${Object.entries(PRICES).map(([model, price]) => `    ${model}: ${JSON.stringify(price)}`).join('\n')}\n`;
}

export interface Tokens {
  /** OpenAI: prompt/input tokens, cached ones included. Anthropic: `input_tokens`. */
  readonly input: number;
  readonly output: number;
  /** OpenAI `cached_tokens`, part of `input`. */
  readonly cachedInput?: number;
  /** Anthropic cache reads and writes, not part of `input`. */
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
}

/** What `tokens` cost at the list price, computed here independently of the gateway's pricing. */
export function expectedUsd(model: Model, tokens: Tokens): number {
  const price = PRICES[model];
  const cached = tokens.cachedInput ?? 0;
  return ((tokens.input - cached) * price.input_per_mtok +
    cached * (price.cached_input_per_mtok ?? price.input_per_mtok) +
    (tokens.cacheRead ?? 0) * (price.cache_read_per_mtok ?? price.input_per_mtok) +
    (tokens.cacheWrite ?? 0) * (price.cache_write_per_mtok ?? price.input_per_mtok) +
    tokens.output * price.output_per_mtok) / 1e6;
}

const table = new PriceTable({ default: null, models: new Map(Object.entries(PRICES)) });

/** The gateway's reservation for this request body, in USD (its own estimator, SPEC §5). */
export function estimateUsd(kind: 'openai' | 'anthropic', path: string, body: string): number {
  const estimate = estimateRequest(kind, path, Buffer.from(body), table);
  if (!estimate.ok || estimate.estimateNano === null) throw new Error(`no estimate for ${body.slice(0, 80)}`);
  return estimate.estimateNano / 1e9;
}

/** The input tokens the gateway estimates for this body (a real tokenizer counts a few more). */
export function estimatedInputTokens(body: string): number {
  return estimateInputTokens(JSON.parse(body));
}

/** A chat completions request with a ~2 kB English prompt, the size of a typical agent turn. */
export function chatBody(options: { maxTokens: number; stream?: boolean; words?: number }): string {
  const sentence = 'Summarise the quarterly ledger entries below and flag any transfer above the approval threshold. ';
  return JSON.stringify({
    model: 'gpt-4o-mini',
    max_tokens: options.maxTokens,
    ...(options.stream ? { stream: true } : {}),
    messages: [
      { role: 'system', content: 'You are a careful finance auditor. Answer in plain English.' },
      { role: 'user', content: sentence.repeat(Math.ceil((options.words ?? 300) / 15)) },
    ],
  });
}

export interface Sent {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly bytes: Buffer;
  /** x-portcullis-request-id: the audit record's id. */
  readonly requestId: string;
  json(): any;
}

/** POSTs `body` as JSON through `dispatcher` and reads the whole answer. */
export async function post(dispatcher: Dispatcher, url: string, body: string, headers: Record<string, string> = {}): Promise<Sent> {
  const res = await request(url, { method: 'POST', dispatcher, body, headers: { 'content-type': 'application/json', ...headers } });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) flat[name] = Array.isArray(value) ? value.join(', ') : String(value);
  return { status: res.statusCode, headers: flat, bytes, requestId: flat['x-portcullis-request-id'] ?? '', json: () => JSON.parse(bytes.toString('utf8')) };
}

/** undici's ProxyAgent through `gw` with `agent`'s client certificate. */
export function dispatcherFor(fx: Fixture, gw: TestGateway, agent = 'finance-auditor'): Dispatcher {
  return agentDispatcher({ fx, gw, up: fx.upstream.port }, agent);
}

/** The audit records of these request ids across `gateways`, waiting (bounded) until all are written. */
export async function recordsFor(gateways: readonly TestGateway[], ids: readonly string[], timeoutMs = 5000): Promise<Map<string, Record<string, any>>> {
  const wanted = new Set(ids);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = new Map<string, Record<string, any>>();
    for (const gw of gateways) for (const record of await gw.records()) if (wanted.has(record.id)) found.set(record.id, record);
    if (found.size === wanted.size || Date.now() > until) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The one audit record of a request id, waiting (bounded) until it is written. */
export async function recordOf(gateways: readonly TestGateway[], id: string): Promise<Record<string, any>> {
  const record = (await recordsFor(gateways, [id])).get(id);
  if (record === undefined) throw new Error(`no audit record ${id}`);
  return record;
}

/** The latest audit record `predicate` picks, waiting (bounded) until one is written. */
export async function recordWhere(gw: TestGateway, predicate: (record: Record<string, any>) => boolean, timeoutMs = 5000): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const record = (await gw.records()).filter(predicate).at(-1);
    if (record !== undefined) return record;
    if (Date.now() > until) throw new Error('no matching audit record');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
