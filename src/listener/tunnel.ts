// A `tunnel: true` CONNECT (SPEC §1): bytes spliced to the checked IP, TLS untouched. On
// error, close or idle timeout both sockets are destroyed — Node's 'timeout' event only
// notifies, and proxies that trusted it leaked sockets.
import { connect, type Socket } from 'node:net';
import type { Exchange } from '../exchange.ts';
import { finish as recordExchange } from '../pipeline.ts';
import type { Runtime } from '../runtime.ts';
import { GatewayError, statusOf } from '../errors.ts';
import { refusalOf, writeRawRefusal } from './respond.ts';

export function openTunnel(
  rt: Runtime,
  ex: Exchange,
  client: Socket,
  head: Buffer,
  ip: string,
  port: number,
  established: string,
): void {
  const upstream = connect({ host: ip, port });
  const idleMs = rt.config.limits.idleTimeoutMs;
  let opened = false;
  let done = false;
  const close = (): void => {
    if (done) return;
    done = true;
    // A refusal written with end() must reach the agent before the socket goes.
    if (!client.writableEnded) client.destroy();
    upstream.destroy();
    if (opened) {
      ex.requestBytes = upstream.bytesWritten;
      ex.responseBytes = upstream.bytesRead;
      ex.status = 200;
    }
    recordExchange(rt, ex);
  };
  upstream.setTimeout(Math.min(rt.config.limits.upstreamTimeoutMs, 10_000), () => {
    if (opened) return;
    const err = new GatewayError('upstream_timeout', `could not connect to ${ex.host}:${port} in time`);
    ex.refuse(err.code, err.message);
    writeRawRefusal(client, refusalOf(ex, err.code, statusOf(err.code), err.message));
    close();
  });
  upstream.once('connect', () => {
    opened = true;
    upstream.setTimeout(idleMs, close);
    client.setTimeout(idleMs, close);
    rt.tracker.add(client, ex.agentId ?? '');
    client.write(established);
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  upstream.once('error', (cause) => {
    if (!opened) {
      const err = new GatewayError('upstream_error', `could not connect to ${ex.host}:${port}: ${(cause as { code?: string }).code ?? cause.message}`);
      ex.refuse(err.code, err.message);
      writeRawRefusal(client, refusalOf(ex, err.code, statusOf(err.code), err.message));
    }
    close();
  });
  upstream.once('close', close);
  client.once('close', close);
  client.once('error', close);
}
