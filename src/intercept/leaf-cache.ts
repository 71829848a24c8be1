// Ready TLS contexts for intercepted hosts (SPEC §1: "Leaf certificates are cached"). A hit is a
// Map lookup: no certificate or key work. A miss issues one leaf, however many handshakes for
// that host arrive meanwhile (single flight). Bounded LRU, so a client that walks through many
// host names costs memory only up to `maxEntries`. Leaves are renewed before they expire.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { InterceptionCa } from './ca.ts';
import { LeafIssuer, normalizeLeafHost, type LeafIssuerOptions } from './leaf-issuer.ts';

const DAY_MS = 86_400_000;

export interface LeafCacheOptions extends LeafIssuerOptions {
  readonly ca: InterceptionCa;
  /** Default 1000. */
  readonly maxEntries?: number;
  /** Re-issue a leaf this long before its notAfter; default 1 day. */
  readonly renewBeforeMs?: number;
  /** Every lookup (hit or miss) and every signed leaf's issuance time, for metrics. */
  readonly observe?: { lookup(hit: boolean): void; issued(seconds: number): void };
}

export interface LeafCacheStats {
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
  /** Leaves signed: one per miss that was not already in flight. */
  readonly issued: number;
  readonly evictions: number;
}

interface Entry {
  readonly context: SecureContext;
  readonly renewAt: number;
}

export type SniCallback = (servername: string, callback: (error: Error | null, context?: SecureContext) => void) => void;

export class LeafCache {
  readonly #issuer: LeafIssuer;
  readonly #maxEntries: number;
  readonly #renewBeforeMs: number;
  readonly #now: () => number;
  readonly #observe: LeafCacheOptions['observe'];
  /** Insertion order is recency order: a hit moves its entry to the end, eviction takes the first. */
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<SecureContext>>();
  #hits = 0;
  #misses = 0;
  #issued = 0;
  #evictions = 0;

  /** The CA's certificate and chain as loaded: a reload with the same CA keeps this cache. */
  readonly caChainPem: string;

  constructor(options: LeafCacheOptions) {
    this.caChainPem = options.ca.chainPem;
    this.#issuer = new LeafIssuer(options.ca, options);
    this.#maxEntries = Math.max(1, options.maxEntries ?? 1000);
    this.#renewBeforeMs = options.renewBeforeMs ?? DAY_MS;
    this.#now = options.now ?? Date.now;
    this.#observe = options.observe;
  }

  /** The context for `host` (DNS name or IP literal); rejects when `host` is neither. */
  get(host: string): Promise<SecureContext> {
    const key = normalizeLeafHost(host);
    if (key === null) return Promise.reject(new Error(`cannot intercept '${host}': not a DNS name or IP address`));
    const cached = this.#fresh(key);
    if (cached) return Promise.resolve(cached);
    return this.#miss(key);
  }

  /** For `tls.createServer({ SNICallback })` and `new TLSSocket(…, { SNICallback })`; answers hits synchronously. */
  readonly sniCallback: SniCallback = (servername, callback) => {
    const key = normalizeLeafHost(servername);
    const cached = key === null ? undefined : this.#fresh(key);
    if (cached) {
      callback(null, cached);
      return;
    }
    this.get(servername).then((context) => callback(null, context), (error: Error) => callback(error));
  };

  get stats(): LeafCacheStats {
    return {
      size: this.#entries.size,
      hits: this.#hits,
      misses: this.#misses,
      issued: this.#issued,
      evictions: this.#evictions,
    };
  }

  #fresh(key: string): SecureContext | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (this.#now() >= entry.renewAt) return undefined;
    this.#entries.set(key, entry);
    this.#hits++;
    this.#observe?.lookup(true);
    return entry.context;
  }

  #miss(key: string): Promise<SecureContext> {
    this.#misses++;
    this.#observe?.lookup(false);
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const issuing = this.#issue(key).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, issuing);
    return issuing;
  }

  async #issue(key: string): Promise<SecureContext> {
    const issuedAt = this.#now();
    const started = performance.now();
    const leaf = await this.#issuer.issue(key);
    const context = createSecureContext({ cert: leaf.chainPem, key: this.#issuer.keyPem });
    this.#observe?.issued((performance.now() - started) / 1000);
    const notAfter = leaf.notAfter.getTime();
    this.#issued++;
    // A leaf cut short by its CA's expiry is still kept for half its life, not re-signed per hit.
    const renewAt = notAfter - Math.min(this.#renewBeforeMs, (notAfter - issuedAt) / 2);
    this.#entries.set(key, { context, renewAt });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
      this.#evictions++;
    }
    return context;
  }
}
