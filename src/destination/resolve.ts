// Name → the one checked IP address the forwarder dials (SPEC §1 destination check).
//
// A name is resolved once per request: an IP literal is taken as is, a name in `network.resolve`
// gets those addresses, anything else goes to the system resolver (getaddrinfo, so /etc/hosts
// and cluster DNS apply). EVERY address returned is checked, and one denied address denies the
// request. Checking only the first would let a name answer one public and one private address
// and win whenever the client falls back to the second (happy eyeballs, retries); checking
// only the one we dial would still hand that name to any later resolution. The caller then
// dials `address` itself, never the name, so a second lookup (DNS rebinding) cannot swap it.
//
// Answers are kept for a few seconds (getaddrinfo gives no TTL; Envoy's default DNS refresh is
// 5 s too), and concurrent lookups of one name share one getaddrinfo: without it every request
// to a named upstream queued a lookup on libuv's four-thread pool. What is kept is the raw
// answer: every use checks every address again, so a change of `allow_cidrs` or the guard applies
// at once. Failures are not kept.
import { lookup as dnsLookup } from 'node:dns/promises';
import { GatewayError } from '../errors.ts';
import type { DestinationGuard } from './classify.ts';
import { canonicalIp } from './ip.ts';

export type Lookup = (host: string) => Promise<readonly string[]>;

export interface ResolverOptions {
  /** SPEC §4 `network.resolve`: normalised host name → addresses. */
  readonly staticMap: ReadonlyMap<string, readonly string[]>;
  readonly guard: DestinationGuard;
  /** Defaults to the system resolver; tests pass their own. */
  readonly lookup?: Lookup;
  /** A DNS answer slower than this fails the request with `upstream_timeout`. Default 5 s. */
  readonly timeoutMs?: number;
  /** How long an answer is reused; 0: never. Default 5 s. */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

export type Resolution =
  | { readonly ok: true; readonly address: string; readonly family: 4 | 6; readonly all: readonly string[] }
  | { readonly ok: false; readonly error: GatewayError };

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_CACHE_MS = 5_000;
/** Names kept at once; the oldest answer goes first. */
const MAX_CACHED = 10_000;

/** Name errors that mean "this host does not exist", as opposed to a resolver failure. */
const NO_SUCH_HOST = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

async function systemLookup(host: string): Promise<readonly string[]> {
  const answers = await dnsLookup(host, { all: true, order: 'verbatim' });
  return answers.map((answer) => answer.address);
}

class LookupTimeout extends Error {}

export class Resolver {
  readonly #staticMap: ReadonlyMap<string, readonly string[]>;
  readonly #guard: DestinationGuard;
  readonly #lookup: Lookup;
  readonly #timeoutMs: number;
  readonly #cacheMs: number;
  readonly #now: () => number;
  readonly #answers = new Map<string, { readonly addresses: readonly string[]; readonly until: number }>();
  readonly #inFlight = new Map<string, Promise<readonly string[]>>();

  constructor(options: ResolverOptions) {
    this.#staticMap = options.staticMap;
    this.#guard = options.guard;
    this.#lookup = options.lookup ?? systemLookup;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
    this.#now = options.now ?? Date.now;
  }

  /**
   * `host` as normalised by the request target (lower case, IPv6 without brackets). `port`
   * lets the guard tell the gateway's own listener from another service on the same address;
   * without it, any port of a self address is denied.
   */
  resolve(host: string, port?: number): Resolution | Promise<Resolution> {
    if (canonicalIp(host) !== null) return this.#checkAll(host, [host], port);
    const pinned = this.#staticMap.get(host);
    if (pinned !== undefined) return this.#checkAll(host, pinned, port);
    const kept = this.#answers.get(host);
    if (kept !== undefined && this.#now() < kept.until) return this.#checkAll(host, kept.addresses, port);
    return this.#resolveByLookup(host, port);
  }

  async #resolveByLookup(host: string, port: number | undefined): Promise<Resolution> {
    let addresses: readonly string[];
    try {
      addresses = await this.#sharedLookup(host);
    } catch (error) {
      return { ok: false, error: lookupError(host, error, this.#timeoutMs) };
    }
    if (addresses.length === 0) {
      return { ok: false, error: new GatewayError('upstream_error', `host '${host}' resolves to no address`) };
    }
    return this.#checkAll(host, addresses, port);
  }

  /** One getaddrinfo per name at a time; a non-empty answer is kept for cacheMs. */
  #sharedLookup(host: string): Promise<readonly string[]> {
    let pending = this.#inFlight.get(host);
    if (pending === undefined) {
      pending = this.#lookupWithin(host).then((addresses) => {
        if (this.#cacheMs > 0 && addresses.length > 0) this.#keep(host, addresses);
        return addresses;
      }).finally(() => this.#inFlight.delete(host));
      this.#inFlight.set(host, pending);
    }
    return pending;
  }

  #keep(host: string, addresses: readonly string[]): void {
    this.#answers.delete(host);
    if (this.#answers.size >= MAX_CACHED) {
      const oldest = this.#answers.keys().next();
      if (!oldest.done) this.#answers.delete(oldest.value);
    }
    this.#answers.set(host, { addresses, until: this.#now() + this.#cacheMs });
  }

  #checkAll(host: string, addresses: readonly string[], port: number | undefined): Resolution {
    const all: string[] = [];
    for (const address of addresses) {
      const verdict = this.#guard.check(address, port);
      if (!verdict.allowed) {
        const where = address === host ? 'destination denied' : `host '${host}' resolves to a denied address`;
        return {
          ok: false,
          error: new GatewayError('destination_denied', `${where}: ${verdict.reason}`, { details: { host, address } }),
        };
      }
      const canonical = canonicalIp(address)!;
      if (!all.includes(canonical)) all.push(canonical);
    }
    const address = all[0]!;
    return { ok: true, address, family: address.includes(':') ? 6 : 4, all };
  }

  async #lookupWithin(host: string): Promise<readonly string[]> {
    let timer: NodeJS.Timeout | undefined;
    // getaddrinfo cannot be cancelled; the answer, if it ever comes, is dropped.
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LookupTimeout()), this.#timeoutMs);
    });
    try {
      return await Promise.race([this.#lookup(host), expiry]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function lookupError(host: string, error: unknown, timeoutMs: number): GatewayError {
  if (error instanceof LookupTimeout) {
    return new GatewayError('upstream_timeout', `DNS lookup for host '${host}' timed out after ${timeoutMs} ms`);
  }
  const code = (error as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : 'lookup failed';
  const message = typeof code === 'string' && NO_SUCH_HOST.has(code)
    ? `host '${host}' does not resolve (${detail})`
    : `DNS lookup for host '${host}' failed (${detail})`;
  return new GatewayError('upstream_error', message, { cause: error });
}
