// Seals each audit record into the hash chain and fans the line out to every configured sink
// (SPEC §6). Each sink has its own bounded queue and writes in the background, so write() costs
// the sealing and a queue push, whatever state the destinations are in. `available` is what
// `audit.required` checks: when no sink accepts records, traffic is refused (503
// audit_unavailable) until one does.
import pino, { type Logger } from 'pino';
import type { SinkSpec } from '../config/schema.ts';
import type { Exchange } from '../exchange.ts';
import { canonicalRecord } from './canonical-record.ts';
import { HashChain } from './hash-chain.ts';
import { recordOf } from './record.ts';
import { createSink, sinkLabel, type SinkOptions } from './sinks/create-sink.ts';
import type { AuditSink, SinkStats } from './sinks/sink.ts';

export interface AuditLogOptions extends Partial<SinkOptions> {
  readonly chain?: HashChain;
}

export class AuditLog {
  readonly chain: HashChain;
  readonly #sinks: readonly AuditSink[];
  readonly #log: Logger;
  #policyVersion: string;

  constructor(sinks: readonly SinkSpec[], policyVersion: string, options: AuditLogOptions = {}) {
    this.chain = options.chain ?? new HashChain();
    this.#policyVersion = policyVersion;
    this.#log = options.log ?? pino({ level: 'silent' });
    const sinkOptions: SinkOptions = { ...options, log: this.#log };
    const names = uniqueNames(sinks.map(sinkLabel));
    const built: AuditSink[] = [];
    try {
      sinks.forEach((spec, i) => built.push(createSink(spec, sinkOptions, names[i])));
    } catch (err) {
      // A later sink failed to open: release the ones already built (sockets, descriptors).
      for (const sink of built) void sink.close();
      throw err;
    }
    this.#sinks = built;
  }

  /** A reload changes the version stamped on later records; earlier records keep theirs. */
  setPolicyVersion(version: string): void {
    this.#policyVersion = version;
  }

  /** True while at least one sink accepts records (false with no sinks at all). */
  get available(): boolean {
    return this.#sinks.some((sink) => sink.accepting);
  }

  /**
   * `policyVersion`: the version of the config that decided the exchange. A request or tunnel
   * that began before a reload ends after it, and its record must name the policy that allowed it.
   */
  write(exchange: Exchange, policyVersion = this.#policyVersion): void {
    const line = this.chain.seal(recordOf(exchange, policyVersion), canonicalRecord);
    for (const sink of this.#sinks) sink.enqueue(line);
  }

  /** Per sink: queue depth, drops, lines written, failed attempts, accepting (for metrics). */
  stats(): Record<string, SinkStats> {
    return Object.fromEntries(this.#sinks.map((sink) => [sink.name, sink.stats()]));
  }

  /**
   * Resolves once every line written so far has reached its sink, or after timeoutMs when a sink
   * cannot deliver; true when everything was delivered.
   */
  async flush(timeoutMs = Infinity): Promise<boolean> {
    const all = Promise.all(this.#sinks.map((sink) => sink.flush())).then(() => true);
    if (!Number.isFinite(timeoutMs)) return all;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(resolve, timeoutMs, false); });
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Re-opens file sinks (SIGUSR2 after logrotate); a failure is logged and retried on the next write. */
  async reopen(): Promise<void> {
    await Promise.all(this.#sinks.map(async (sink) => {
      try {
        await sink.reopen();
      } catch (err) {
        this.#log.error({ sink: sink.name, err: (err as Error).message }, 'audit sink could not be reopened');
      }
    }));
  }

  /** Drains each sink for at most its close timeout, then releases it; what is left is dropped. */
  async close(): Promise<void> {
    await Promise.all(this.#sinks.map((sink) => sink.close()));
  }
}

function uniqueNames(labels: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return labels.map((label) => {
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return n === 1 ? label : `${label}#${n}`;
  });
}
