// Provider-shaped answers for the local upstream: OpenAI chat completions and Responses, and
// Anthropic Messages, each as JSON or as an SSE stream, in the shapes of the providers' API
// references (the same shapes as src/metering/fixtures/). Like the real APIs, a chat stream
// reports usage only when the request sets `stream_options.include_usage`, and then every other
// chunk carries `"usage":null`.
//
// Test-only request headers script an answer (the gateway forwards them like any other header):
//   x-test-usage: JSON          the provider-shaped `usage` object to report instead of the default
//   x-test-delay-ms: N          wait N ms before the response head (reservations stay held meanwhile)
//   x-test-event-delay-ms: N    pause N ms between SSE events (default 10)
//   x-test-fail: reset          drop the connection before answering
import type { IncomingMessage, ServerResponse } from 'node:http';

type Json = Record<string, unknown>;

/** What each route reports when the request does not script its usage. */
export const DEFAULT_USAGE = {
  chat: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
  responses: {
    input_tokens: 5036, input_tokens_details: { cached_tokens: 4864 },
    output_tokens: 1212, output_tokens_details: { reasoning_tokens: 1024 }, total_tokens: 6248,
  },
  messages: {
    input_tokens: 2095, cache_creation_input_tokens: 2051, cache_read_input_tokens: 40112,
    cache_creation: { ephemeral_5m_input_tokens: 2051, ephemeral_1h_input_tokens: 0 },
    output_tokens: 503, service_tier: 'standard',
  },
} as const;

/** The dated model ids the Responses and Messages routes answer with (priced by prefix, SPEC §4). */
export const RESPONSES_MODEL_SUFFIX = '-2025-04-14';
export const MESSAGES_MODEL_SUFFIX = '-20250929';

const CREATED = 1_700_000_000;
const WORDS = ['hello', ' there', '!'];

type Answer = { readonly json: Json } | { readonly events: readonly string[] };

interface Script {
  readonly usage: Json | null;
  readonly delayMs: number;
  readonly eventDelayMs: number;
  readonly reset: boolean;
}

const ROUTES: ReadonlyMap<string, (request: Json, usage: Json | null) => Answer> = new Map([
  ['/v1/chat/completions', chatCompletions],
  ['/v1/responses', responses],
  ['/v1/messages', messages],
]);

/** Answers `pathname` as a provider would; false when it is no provider route. */
export function answerAsProvider(pathname: string, req: IncomingMessage, res: ServerResponse, body: string): boolean {
  const route = ROUTES.get(pathname);
  if (route === undefined) return false;
  const script = scriptOf(req);
  if (script.reset) {
    req.socket.destroy();
    return true;
  }
  let request: Json;
  try {
    request = JSON.parse(body) as Json;
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"bad json"}}');
    return true;
  }
  const answer = route(request, script.usage);
  const send = (): void => {
    if (res.destroyed) return;
    if ('json' in answer) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.json));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    streamEvents(res, answer.events, script.eventDelayMs);
  };
  if (script.delayMs > 0) setTimeout(send, script.delayMs);
  else send();
  return true;
}

function scriptOf(req: IncomingMessage): Script {
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const usage = header('x-test-usage');
  return {
    usage: usage === undefined ? null : JSON.parse(usage) as Json,
    delayMs: Number(header('x-test-delay-ms') ?? 0),
    eventDelayMs: Number(header('x-test-event-delay-ms') ?? 10),
    reset: header('x-test-fail') === 'reset',
  };
}

function streamEvents(res: ServerResponse, events: readonly string[], delayMs: number): void {
  let i = 0;
  const tick = (): void => {
    if (res.destroyed) return;
    if (i === events.length - 1) {
      res.end(events[i]);
      return;
    }
    res.write(events[i++]);
    setTimeout(tick, delayMs);
  };
  tick();
}

function sse(data: unknown, event?: string): string {
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

function chatCompletions(request: Json, scripted: Json | null): Answer {
  const model = typeof request.model === 'string' ? request.model : 'gpt-4o-mini';
  const usage = scripted ?? DEFAULT_USAGE.chat;
  if (request.stream !== true) {
    return {
      json: {
        id: 'chatcmpl-test', object: 'chat.completion', created: CREATED, model,
        choices: [{ index: 0, message: { role: 'assistant', content: WORDS.slice(0, 2).join('') }, finish_reason: 'stop', logprobs: null }],
        usage,
      },
    };
  }
  const options = request.stream_options as Json | undefined;
  const withUsage = options?.include_usage === true;
  const chunk = (choices: unknown[]): string =>
    sse({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: CREATED, model, choices, ...(withUsage ? { usage: null } : {}) });
  return {
    events: [
      ...WORDS.map((content) => chunk([{ index: 0, delta: { content }, finish_reason: null }])),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      ...(withUsage ? [sse({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: CREATED, model, choices: [], usage })] : []),
      sse('[DONE]'),
    ],
  };
}

function responses(request: Json, scripted: Json | null): Answer {
  const model = `${typeof request.model === 'string' ? request.model : 'gpt-4.1'}${RESPONSES_MODEL_SUFFIX}`;
  const text = 'Under a silver moon, a unicorn named Lumina dreamed of stars.';
  const item = { type: 'message', id: 'msg_test', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
  const response = (status: string, output: unknown[], usage: unknown): Json => ({
    id: 'resp_test', object: 'response', created_at: CREATED, status, error: null, incomplete_details: null,
    instructions: request.instructions ?? null, max_output_tokens: request.max_output_tokens ?? null, model, output,
    parallel_tool_calls: true, previous_response_id: null, reasoning: { effort: null, summary: null }, store: true,
    temperature: 1.0, text: { format: { type: 'text' } }, tool_choice: 'auto', tools: [], top_p: 1.0,
    truncation: 'disabled', usage, user: null, metadata: {},
  });
  const usage = scripted ?? DEFAULT_USAGE.responses;
  if (request.stream !== true) return { json: response('completed', [item], usage) };
  const halves = ['Under a silver moon, ', 'a unicorn named Lumina dreamed of stars.'];
  const at = { item_id: 'msg_test', output_index: 0, content_index: 0 };
  const typed = ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
    'response.output_text.delta', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done',
    'response.output_item.done', 'response.completed'];
  const bodies: Json[] = [
    { response: response('in_progress', [], null) },
    { response: response('in_progress', [], null) },
    { output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
    { ...at, part: { type: 'output_text', text: '', annotations: [] } },
    { ...at, delta: halves[0] },
    { ...at, delta: halves[1] },
    { ...at, text },
    { ...at, part: { type: 'output_text', text, annotations: [] } },
    { output_index: 0, item },
    { response: response('completed', [item], usage) },
  ];
  return { events: typed.map((type, i) => sse({ type, sequence_number: i, ...bodies[i] }, type)) };
}

function messages(request: Json, scripted: Json | null): Answer {
  const model = `${typeof request.model === 'string' ? request.model : 'claude-sonnet-4-5'}${MESSAGES_MODEL_SUFFIX}`;
  const usage = scripted ?? DEFAULT_USAGE.messages;
  const parts = ['Hi! My name ', 'is Claude.'];
  const message = { id: 'msg_test', type: 'message', role: 'assistant', model };
  if (request.stream !== true) {
    return { json: { ...message, content: [{ type: 'text', text: parts.join('') }], stop_reason: 'end_turn', stop_sequence: null, usage } };
  }
  const event = (type: string, rest: Json): string => sse({ type, ...rest }, type);
  return {
    events: [
      // message_start: the input counts and the output so far; message_delta: the final output count.
      event('message_start', { message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping', {}),
      ...parts.map((text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
      event('content_block_stop', { index: 0 }),
      event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }),
      event('message_stop', {}),
    ],
  };
}
