// The refusal every agent gets (SPEC §2): a JSON body an agent, or its LLM, can act on, and
// the same code in x-portcullis-code, the audit record and the metrics.
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { errorTypeOf, type DenyCode } from '../errors.ts';
import type { Exchange } from '../exchange.ts';

export interface Refusal {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function refusalOf(
  exchange: Exchange,
  code: DenyCode,
  status: number,
  message: string,
  extra: { headers?: Readonly<Record<string, string>>; details?: Readonly<Record<string, unknown>> } = {},
): Refusal {
  const body = JSON.stringify({
    error: {
      type: errorTypeOf(code),
      code,
      message,
      agent: exchange.agentId,
      request_id: exchange.id,
      ...extra.details,
    },
  });
  return {
    status,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
      'x-portcullis-decision': 'deny',
      'x-portcullis-code': code,
      'x-portcullis-request-id': exchange.id,
      ...extra.headers,
    },
    body,
  };
}

export function sendRefusal(res: ServerResponse, refusal: Refusal, closeConnection: boolean): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (closeConnection) res.shouldKeepAlive = false;
  res.writeHead(refusal.status, closeConnection ? { ...refusal.headers, connection: 'close' } : refusal.headers);
  res.end(refusal.body);
}

/** For a CONNECT (or a parse error) where no ServerResponse exists: a raw HTTP/1.1 answer, then close. */
export function writeRawRefusal(socket: Socket, refusal: Refusal): void {
  if (socket.destroyed || !socket.writable) return;
  let head = `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(refusal.headers)) head += `${name}: ${value}\r\n`;
  head += 'connection: close\r\n\r\n';
  socket.end(head + refusal.body);
}
