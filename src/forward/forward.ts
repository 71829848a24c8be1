// Forwards one allowed request and streams the response back chunk by chunk (SSE must flow
// as it arrives), with backpressure both ways and no buffering of whole bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Exchange } from '../exchange.ts';
import type { Runtime } from '../runtime.ts';
import { BodyLimit } from './body-limit.ts';
import { agentResponseHeaders, upstreamRequestHeaders } from './headers.ts';
import { upstreamFailure, type UpstreamTarget } from './upstream.ts';

export async function forward(
  rt: Runtime,
  ex: Exchange,
  req: IncomingMessage,
  res: ServerResponse,
  target: UpstreamTarget,
  originForm: string,
  inject: ReadonlyMap<string, string>,
  maxBodyBytes: number,
): Promise<void> {
  const declared = req.headers['content-length'];
  const chunked = declared === undefined && req.headers['transfer-encoding'] !== undefined;
  let limiter: BodyLimit | null = null;
  let body: Readable | null = null;
  if (chunked) {
    limiter = new BodyLimit(maxBodyBytes);
    body = req.pipe(limiter);
    req.once('error', (err) => limiter?.destroy(err));
  } else if (declared !== undefined && declared !== '0') {
    body = req;
  }
  ex.requestBytes = declared === undefined ? 0 : Number(declared);

  const upstreamStart = performance.now();
  let response;
  try {
    response = await rt.upstreams.request(target, {
      method: req.method as string,
      path: originForm,
      headers: upstreamRequestHeaders(req.rawHeaders, inject),
      body,
    });
  } catch (err) {
    if (limiter !== null) ex.requestBytes = limiter.bytes;
    throw upstreamFailure(limiter?.errored ?? err, target.host);
  }
  if (limiter !== null) ex.requestBytes = limiter.bytes;
  ex.upstreamMs = performance.now() - upstreamStart;
  ex.status = response.statusCode;

  const headers = agentResponseHeaders(response.headers);
  headers['x-portcullis-request-id'] = ex.id;
  res.writeHead(response.statusCode, headers);
  await pump(response.body, res, ex);
}

/** Body → agent with backpressure; counts bytes; either side failing tears down the other. */
function pump(body: Readable, res: ServerResponse, ex: Exchange): Promise<void> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      ex.responseBytes += chunk.length;
      if (!res.write(chunk)) body.pause();
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
      res.end();
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
