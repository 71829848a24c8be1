// Upstream connections (SPEC §1 forward): undici pools keyed by the checked IP, so we dial the
// literal address the destination guard approved and use the host name only for SNI and the
// certificate check. Upstream TLS is always verified: system roots plus `upstream_ca`.
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { GatewayError } from '../errors.ts';

export interface UpstreamTarget {
  readonly scheme: 'http' | 'https';
  /** Host name for SNI and certificate verification (or the IP literal itself). */
  readonly host: string;
  readonly ip: string;
  readonly port: number;
}

export interface UpstreamOptions {
  /** Extra PEM CAs trusted for upstream servers (SPEC §4 interception.upstream_ca). */
  readonly upstreamCa: readonly string[];
  readonly timeoutMs: number;
  /** Pools kept at once; the least recently created is closed beyond it. */
  readonly maxPools?: number;
}

export class Upstreams {
  readonly #pools = new Map<string, Pool>();
  readonly #trust: SecureContext;
  readonly #timeoutMs: number;
  readonly #maxPools: number;

  constructor(options: UpstreamOptions) {
    // `ca` replaces Node's default roots, so the system roots are added back explicitly.
    // Built once: given `ca` instead, tls.connect parses every root again for each new
    // upstream connection: ~6 ms of event-loop time with Node's ~120 roots (seen in bench/ profiles).
    this.#trust = createSecureContext(options.upstreamCa.length === 0 ? {} : { ca: [...rootCertificates, ...options.upstreamCa] });
    this.#timeoutMs = options.timeoutMs;
    this.#maxPools = options.maxPools ?? 1024;
  }

  pool(target: UpstreamTarget): Pool {
    const key = `${target.scheme}|${target.ip}|${target.port}|${target.host}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      if (this.#pools.size >= this.#maxPools) this.#evictOldest();
      const ipHost = target.ip.includes(':') ? `[${target.ip}]` : target.ip;
      pool = new Pool(`${target.scheme}://${ipHost}:${target.port}`, {
        connect: {
          ...(target.scheme === 'https' && target.host !== target.ip ? { servername: target.host } : {}),
          secureContext: this.#trust,
          rejectUnauthorized: true,
          timeout: Math.min(this.#timeoutMs, 10_000),
        },
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        allowH2: false,
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  dispatch(target: UpstreamTarget, options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    this.pool(target).dispatch(options, handler);
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((p) => p.close()));
  }

  #evictOldest(): void {
    const first = this.#pools.entries().next();
    if (first.done) return;
    this.#pools.delete(first.value[0]);
    void first.value[1].close();
  }
}

/** Maps an undici failure to the SPEC's upstream codes, with a message safe to show the agent. */
export function upstreamFailure(err: unknown, host: string): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError) {
    return new GatewayError('upstream_timeout', `upstream ${host} did not answer in time`, { cause: err });
  }
  const code = (err as { code?: string }).code;
  const reason = code ?? (err instanceof Error ? err.message : 'unknown error');
  return new GatewayError('upstream_error', `upstream ${host} failed: ${reason}`, { cause: err });
}
