import { describe, expect, it } from 'vitest';
import { parseStoreUrl } from './redis-client.ts';

describe('parseStoreUrl', () => {
  it('hands standalone URLs to ioredis as written', () => {
    expect(parseStoreUrl('redis://redis:6379/0')).toEqual({ kind: 'standalone', url: 'redis://redis:6379/0' });
    expect(parseStoreUrl('rediss://:pw@redis.internal:6380')).toEqual({ kind: 'standalone', url: 'rediss://:pw@redis.internal:6380' });
  });

  it('reads Sentinel hosts, master name, database and credentials', () => {
    expect(parseStoreUrl('redis+sentinel://app:s%40cret@s1:26379,s2,[::1]:26380/mymaster/2')).toEqual({
      kind: 'sentinel',
      nodes: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      db: 2,
      username: 'app',
      password: 's@cret',
      tls: false,
    });
  });

  it('reads Cluster seed nodes, from a cluster URL or a plain URL with the cluster option', () => {
    expect(parseStoreUrl('rediss+cluster://:pw@n1:7000,n2:7001')).toMatchObject({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      password: 'pw',
      username: null,
      tls: true,
    });
    expect(parseStoreUrl('redis://n1:7000', { cluster: true })).toMatchObject({ kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }], tls: false });
  });

  it('rejects what it cannot connect to', () => {
    expect(() => parseStoreUrl('memcached://x:11211')).toThrow(/unsupported store URL/);
    expect(() => parseStoreUrl('redis+sentinel://s1:26379')).toThrow(/no Sentinel master/);
    expect(() => parseStoreUrl('redis+cluster://n1:7000/3')).toThrow(/no databases/);
    expect(() => parseStoreUrl('redis+sentinel://s1:26379/m/x')).toThrow(/invalid store database/);
  });
});
