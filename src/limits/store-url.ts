// `store.url` (and a redis-stream audit sink's `url`): which kind of Redis deployment it names,
// and where. Read when the config is compiled, so `portcullis check` reports a URL no client could
// use, and again when a client is made (redis-client.ts). No ioredis here: the CLI's `check` needs
// none.
//
// URL forms:
//   redis://[[user]:password@]host[:port][/db]              standalone (rediss:// for TLS)
//   redis+sentinel://[[user]:password@]h1:26379,h2:26379/MASTER[/db]   Sentinel (rediss+sentinel:// for TLS)
//   redis+cluster://[[user]:password@]h1:6379,h2:6379        Cluster seed nodes (rediss+cluster:// for TLS)
// `{ cluster: true }` also reads a plain redis:// URL as a cluster seed node.
// Messages show a URL with its credentials replaced (`***`): they reach `check` output and logs.

export interface StoreUrlOptions {
  /** Read a plain redis:// URL as a Cluster seed node. */
  readonly cluster?: boolean;
}

interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type StoreTarget =
  | { readonly kind: 'standalone'; readonly url: string }
  | {
      readonly kind: 'sentinel' | 'cluster';
      readonly nodes: readonly HostPort[];
      readonly name: string | null;
      readonly db: number;
      readonly username: string | null;
      readonly password: string | null;
      readonly tls: boolean;
    };

/** The URL as messages may show it: any userinfo (a password, a token) replaced. */
export function shownUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

const MULTI_HOST_URL = /^(rediss?)\+(sentinel|cluster):\/\/(?:([^@/]*)@)?([^/?#]+)(?:\/([^?#]*))?$/;

function hostPorts(list: string, defaultPort: number): HostPort[] {
  return list.split(',').map((entry) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry.trim());
    const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
    if (!m || port < 1 || port > 65_535) throw new Error(`invalid store host '${entry}' (host or host:port, port 1-65535)`);
    return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
  });
}

function parseDb(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  if (!/^\d+$/.test(text)) throw new Error(`invalid store database '${text}'`);
  return Number(text);
}

/** Which kind of deployment a `store.url` names, and where. Throws on a malformed URL. */
export function parseStoreUrl(url: string, options: StoreUrlOptions = {}): StoreTarget {
  const m = MULTI_HOST_URL.exec(url);
  if (m === null) {
    if (!/^rediss?:\/\//.test(url)) throw new Error(`unsupported store URL '${shownUrl(url)}' (use redis://, rediss://, redis+sentinel:// or redis+cluster://)`);
    const parsed = URL.parse(url);
    if (parsed === null || parsed.hostname === '') throw new Error(`store URL '${shownUrl(url)}' is not a valid URL (redis://[user:password@]host[:port][/db])`);
    parseDb(parsed.pathname.slice(1));
    if (!options.cluster) return { kind: 'standalone', url };
    return {
      kind: 'cluster',
      nodes: [{ host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port === '' ? 6379 : Number(parsed.port) }],
      name: null,
      db: 0,
      username: parsed.username === '' ? null : decodeURIComponent(parsed.username),
      password: parsed.password === '' ? null : decodeURIComponent(parsed.password),
      tls: parsed.protocol === 'rediss:',
    };
  }
  const [, scheme, kind, userinfo, hosts, path] = m as unknown as [string, string, 'sentinel' | 'cluster', string | undefined, string, string | undefined];
  const colon = userinfo?.indexOf(':') ?? -1;
  const username = userinfo === undefined ? '' : decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = userinfo === undefined || colon < 0 ? null : decodeURIComponent(userinfo.slice(colon + 1));
  const segments = (path ?? '').split('/').filter((s) => s !== '');
  if (kind === 'sentinel' && segments.length === 0) throw new Error(`store URL '${shownUrl(url)}' names no Sentinel master (redis+sentinel://host:26379/MASTER)`);
  if (kind === 'cluster' && segments.length > 0) throw new Error(`store URL '${shownUrl(url)}': Redis Cluster has no databases`);
  return {
    kind,
    nodes: hostPorts(hosts, kind === 'sentinel' ? 26379 : 6379),
    name: kind === 'sentinel' ? decodeURIComponent(segments[0] as string) : null,
    db: parseDb(segments[1]),
    username: username === '' ? null : username,
    password,
    tls: scheme === 'rediss',
  };
}
