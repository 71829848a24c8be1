// Builds a queued sink from its config entry (SPEC §4 audit.sinks).
import type { SinkSpec } from '../../config/schema.ts';
import { FileTransport } from './file-sink.ts';
import { HttpTransport, collectorLabel } from './http-sink.ts';
import { QueuedSink, type SinkContext, type SinkTransport } from './queued-sink.ts';
import { RedisStreamTransport } from './redis-stream-sink.ts';
import { DEFAULT_TUNING, type AuditSink, type SinkTuning, type SinkType } from './sink.ts';
import { StdoutTransport } from './stdout-sink.ts';

export interface SinkOptions extends SinkContext {
  /** Redis for redis-stream sinks without their own url (the gateway passes store.url). */
  readonly redisUrl?: string | null | undefined;
  /** Overrides of DEFAULT_TUNING, per sink type. */
  readonly tuning?: Partial<Record<SinkType, Partial<SinkTuning>>> | undefined;
}

/** The sink's name in logs and metrics (AuditLog suffixes `#2`, `#3` when two would share one). */
export function sinkLabel(spec: SinkSpec): string {
  switch (spec.type) {
    case 'stdout': return 'stdout';
    case 'file': return `file:${spec.path}`;
    case 'redis-stream': return `redis-stream:${spec.stream}`;
    case 'http': return `http:${collectorLabel(spec.url)}`;
  }
}

export function createSink(spec: SinkSpec, options: SinkOptions, name = sinkLabel(spec)): AuditSink {
  const tuning: SinkTuning = { ...DEFAULT_TUNING[spec.type], ...options.tuning?.[spec.type] };
  return new QueuedSink(name, transportFor(spec, name, tuning, options), tuning, options);
}

function transportFor(spec: SinkSpec, name: string, tuning: SinkTuning, options: SinkOptions): SinkTransport {
  switch (spec.type) {
    case 'stdout':
      return new StdoutTransport();
    case 'file':
      return new FileTransport(spec.path);
    case 'redis-stream': {
      const url = spec.url ?? options.redisUrl;
      if (url === undefined || url === null) {
        throw new Error(`audit sink redis-stream '${spec.stream}' needs a url, or store.url to fall back on`);
      }
      return new RedisStreamTransport({
        url, stream: spec.stream, maxlen: spec.maxlen, timeoutMs: tuning.timeoutMs, log: options.log, name,
      });
    }
    case 'http':
      return new HttpTransport({ url: spec.url, headers: spec.headers, timeoutMs: tuning.timeoutMs });
  }
}
