// Forwards one allowed request and streams the response back chunk by chunk (SSE must flow
// as it arrives), with backpressure both ways and no buffering of whole bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Exchange } from '../exchange.ts';
import type { Runtime } from '../runtime.ts';
import { BodyLimit } from './body-limit.ts';
import { agentResponseHeaders, upstreamRequestHeaders } from './headers.ts';
import { upstreamFailure, type UpstreamTarget } from './upstream.ts';
import type { ResponseMeter } from '../metering/response-meter.ts';

export async function forward(
  rt: Runtime,
  ex: Exchange,
  req: IncomingMessage,
  res: ServerResponse,
  target: UpstreamTarget,
  originForm: string,
  inject: ReadonlyMap<string, string>,
  maxBodyBytes: number,
  /** The body, when an earlier stage already read it (metering, approval); else it streams. */
  buffered: Buffer | null,
  meter: ResponseMeter | null,
): Promise<void> {
  const declared = req.headers['content-length'];
  const chunked = declared === undefined && req.headers['transfer-encoding'] !== undefined;
  let limiter: BodyLimit | null = null;
  let body: Readable | Buffer | null = null;
  let headers = upstreamRequestHeaders(req.rawHeaders, inject);
  if (buffered !== null) {
    body = buffered;
    // The body may have been rewritten (stream_options added): its length is ours to state.
    headers = withLength(headers, buffered.length);
  } else if (chunked) {
    limiter = new BodyLimit(maxBodyBytes);
    body = req.pipe(limiter);
    req.once('error', (err) => limiter?.destroy(err));
  } else if (declared !== undefined && declared !== '0') {
    body = req;
  }
  ex.requestBytes = buffered !== null ? buffered.length : declared === undefined ? 0 : Number(declared);

  const upstreamStart = performance.now();
  let response;
  try {
    response = await rt.upstreams.request(target, {
      method: req.method as string,
      path: originForm,
      headers,
      body,
    });
  } catch (err) {
    if (limiter !== null) ex.requestBytes = limiter.bytes;
    throw upstreamFailure(limiter?.errored ?? err, target.host);
  }
  if (limiter !== null) ex.requestBytes = limiter.bytes;
  ex.upstreamMs = performance.now() - upstreamStart;
  ex.status = response.statusCode;

  const responseHeaders = agentResponseHeaders(response.headers);
  responseHeaders['x-portcullis-request-id'] = ex.id;
  if (meter !== null) {
    const type = response.headers['content-type'];
    meter.onHeaders(Array.isArray(type) ? type[0] : type);
    // Metering may drop the usage-only SSE chunk it asked for: the length is no longer the upstream's.
    if (responseHeaders['content-type'] !== undefined && String(responseHeaders['content-type']).startsWith('text/event-stream')) {
      delete responseHeaders['content-length'];
    }
  }
  res.writeHead(response.statusCode, responseHeaders);
  await pump(response.body, res, ex, meter);
}

function withLength(raw: string[], length: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (name === 'content-length' || name === 'transfer-encoding') continue;
    out.push(raw[i] as string, raw[i + 1] as string);
  }
  out.push('content-length', String(length));
  return out;
}

/**
 * Once a request is done, nothing of it may stay attached to the upstream body, which can
 * outlive the request: whatever the body's listeners reach (response, request, exchange) is
 * dragged along into the old generation. Measured with bench/ at 2,500 req/s (--trace-gc):
 * with the error listener left on, every scavenge promoted ~7 MB and took 10-15 ms; detached,
 * ~2 MB, as in the bare floor proxy. A body destroyed after the agent left still emits its
 * abort error, so an empty listener takes over.
 */
const ignoreLateError = (): void => {};

/** Body → agent with backpressure; counts bytes; either side failing tears down the other. */
function pump(body: Readable, res: ServerResponse, ex: Exchange, meter: ResponseMeter | null): Promise<void> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      const out = meter === null ? chunk : meter.transform(chunk);
      if (out === null) return;
      ex.responseBytes += out.length;
      if (!res.write(out)) body.pause();
    };
    const onDrain = (): void => { body.resume(); };
    const onEnd = (): void => {
      const rest = meter?.flush() ?? null;
      if (rest !== null) ex.responseBytes += rest.length;
      res.end(rest ?? undefined);
      finish();
    };
    const onError = (err: Error): void => {
      ex.upstreamError = err.message;
      res.destroy();
      finish();
    };
    const onClose = (): void => {
      if (!body.readableEnded) body.destroy();
      finish();
    };
    const finish = (): void => {
      body.off('data', onData).off('end', onEnd).off('error', onError).on('error', ignoreLateError);
      res.off('drain', onDrain).off('close', onClose);
      resolve();
    };
    body.on('data', onData);
    res.on('drain', onDrain);
    body.once('end', onEnd);
    body.once('error', onError);
    res.once('close', onClose);
  });
}
