// Forwards one allowed request and streams the response back chunk by chunk (SSE must flow
// as it arrives), with backpressure both ways and no buffering of whole bodies (relay.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Exchange } from '../exchange.ts';
import type { Runtime } from '../runtime.ts';
import { BodyLimit } from './body-limit.ts';
import { upstreamRequestHeaders } from './headers.ts';
import { ResponseRelay } from './relay.ts';
import type { UpstreamTarget } from './upstream.ts';
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

  const relay = new ResponseRelay(res, ex, meter, limiter, target.host);
  rt.upstreams.dispatch(target, { method: req.method as string, path: originForm, headers, body }, relay);
  await relay.done;
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
