// Writes sealed audit lines to the configured sinks through pino's SonicBoom destinations
// (buffered, non-blocking writes). One record per request and per tunnel (SPEC §6).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import type { SinkSpec } from '../config/schema.ts';
import type { Exchange } from '../exchange.ts';
import { HashChain } from './hash-chain.ts';
import { recordOf } from './record.ts';

type Destination = ReturnType<typeof pino.destination>;

export class AuditLog {
  readonly chain: HashChain;
  readonly #destinations: Destination[];
  readonly #stdout = new Set<Destination>();
  #policyVersion: string;

  constructor(sinks: readonly SinkSpec[], policyVersion: string, chain = new HashChain()) {
    this.chain = chain;
    this.#policyVersion = policyVersion;
    this.#destinations = sinks.map((sink) => {
      const destination = openSink(sink);
      if (sink.type === 'stdout') this.#stdout.add(destination);
      return destination;
    });
  }

  /** A reload changes the version stamped on later records; earlier records keep theirs. */
  setPolicyVersion(version: string): void {
    this.#policyVersion = version;
  }

  write(exchange: Exchange): void {
    const line = this.chain.seal(recordOf(exchange, this.#policyVersion)) + '\n';
    for (const destination of this.#destinations) destination.write(line);
  }

  /** Resolves once every line written so far has reached its sink. */
  flush(): Promise<void> {
    return Promise.all(this.#destinations.map((d) => new Promise<void>((resolve) => {
      d.flush(() => resolve());
    }))).then(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all(this.#destinations.map((d) => new Promise<void>((resolve) => {
      // stdout is shared with the rest of the process: flush it, never close it.
      if (this.#stdout.has(d)) {
        d.flush(() => resolve());
        return;
      }
      d.once('close', () => resolve());
      d.end();
    })));
  }
}

function openSink(sink: SinkSpec): Destination {
  switch (sink.type) {
    case 'stdout':
      return pino.destination({ dest: 1, sync: false, minLength: 0 });
    case 'file':
      mkdirSync(dirname(sink.path), { recursive: true });
      return pino.destination({ dest: sink.path, sync: false, mkdir: true, append: true });
    default:
      throw new Error(`audit sink type '${sink.type}' is not available in this build (planned: issue 5)`);
  }
}
