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
    const finish = (): void => {
      body.off('data', onData);
      res.off('drain', onDrain);
      resolve();
    };
    body.on('data', onData);
    res.on('drain', onDrain);
    body.once('end', () => {
      const rest = meter?.flush() ?? null;
      if (rest !== null) ex.responseBytes += rest.length;
      res.end(rest ?? undefined);
      finish();
    });
    body.once('error', (err) => {
      ex.upstreamError = err.message;
      res.destroy();
      finish();
    });
    res.once('close', () => {
      if (!body.readableEnded) body.destroy();
      finish();
    });
  });
}
