// Which configured sink `GET /v1/audit` reads back.
import type { CompiledConfig } from '../config/compiled.ts';
import type { RedisClient } from '../limits/redis-client.ts';
import { FileAuditSource } from './audit-file-source.ts';
import { RedisStreamAuditSource } from './audit-redis-source.ts';
import type { AuditSource } from './audit-source.ts';

/**
 * The sink `GET /v1/audit` reads: the first redis-stream sink (its `url`, else `store.url`),
 * else the first file sink, else null. `redisFor` hands out a client for a URL; the caller owns
 * (and closes) the clients it creates.
 */
export function auditSourceFor(config: CompiledConfig, redisFor: (url: string) => RedisClient): AuditSource | null {
  for (const sink of config.audit.sinks) {
    if (sink.type !== 'redis-stream') continue;
    const url = sink.url ?? config.store.url;
    if (url !== null) return new RedisStreamAuditSource(redisFor(url), sink.stream);
  }
  for (const sink of config.audit.sinks) {
    if (sink.type === 'file') return new FileAuditSource(sink.path);
  }
  return null;
}
