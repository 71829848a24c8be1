import { describe, expect, it } from 'vitest';
import { parseStoreUrl, shownUrl } from './store-url.ts';

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
    expect(() => parseStoreUrl('redis://redis:99999/0')).toThrow("store URL 'redis://redis:99999/0' is not a valid URL");
    expect(() => parseStoreUrl('redis://')).toThrow(/is not a valid URL/);
    expect(() => parseStoreUrl('redis://redis:6379/zero')).toThrow("invalid store database 'zero'");
    expect(() => parseStoreUrl('redis+cluster://n1:0,n2:7001')).toThrow("invalid store host 'n1:0' (host or host:port, port 1-65535)");
  });

  it('never shows credentials in its messages', () => {
    expect(shownUrl('rediss+sentinel://app:s%40cret@s1:26379/m')).toBe('rediss+sentinel://***@s1:26379/m');
    expect(shownUrl('redis://:pw@redis:6379/0')).toBe('redis://***@redis:6379/0');
    expect(shownUrl('redis://redis:6379/0')).toBe('redis://redis:6379/0');
    for (const url of ['memcached://u:hunter2@x', 'redis+cluster://:hunter2@n1:7000/3', 'redis+sentinel://:hunter2@s1:26379', 'redis://:hunter2@h:99999']) {
      expect(() => parseStoreUrl(url)).toThrow(/\*\*\*@/);
      expect(() => parseStoreUrl(url)).not.toThrow(/hunter2/);
    }
  });
});
