// Real lookups only of `localhost` and `.invalid` names (RFC 6761): nothing leaves the machine.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { parseCidr, type Cidr } from './cidr.ts';
import { DestinationGuard } from './classify.ts';
import { Resolver, type Lookup, type Resolution } from './resolve.ts';

function cidrs(...texts: string[]): Cidr[] {
  return texts.map((text) => {
    const parsed = parseCidr(text);
    if (typeof parsed === 'string') throw new Error(parsed);
    return parsed;
  });
}

function resolver(options: { allow?: string[]; staticMap?: Record<string, string[]>; lookup?: Lookup; timeoutMs?: number; now?: () => number } = {}): Resolver {
  return new Resolver({
    guard: new DestinationGuard({ useDefaultDeny: true, denyCidrs: [], allowCidrs: cidrs(...(options.allow ?? [])) }),
    staticMap: new Map(Object.entries(options.staticMap ?? {})),
    ...(options.lookup ? { lookup: options.lookup } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}

function failure(result: Resolution): GatewayError {
  if (result.ok) throw new Error(`expected a failure, got ${result.address}`);
  return result.error;
}

const noLookup: Lookup = () => Promise.reject(new Error('no DNS lookup expected'));

describe('Resolver: IP literals', () => {
  it('checks a literal as is, without DNS', async () => {
    const r = resolver({ lookup: noLookup });
    expect(await r.resolve('93.184.215.14')).toEqual({ ok: true, address: '93.184.215.14', family: 4, all: ['93.184.215.14'] });
    expect(await r.resolve('2606:4700::1111')).toMatchObject({ ok: true, address: '2606:4700::1111', family: 6 });
  });

  it('denies a private literal with destination_denied', async () => {
    const error = failure(await resolver({ lookup: noLookup }).resolve('169.254.169.254'));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.code).toBe('destination_denied');
    expect(error.status).toBe(403);
    expect(error.message).toBe('destination denied: 169.254.169.254 is in 169.254.0.0/16 (link-local, cloud metadata)');
  });

  it('returns the canonical text of an IPv6 literal', async () => {
    expect(await resolver({ lookup: noLookup }).resolve('2606:4700:0:0:0:0:0:1111')).toMatchObject({ ok: true, address: '2606:4700::1111' });
  });
});

describe('Resolver: network.resolve static map', () => {
  it('uses the mapped addresses, in order, without DNS', async () => {
    const r = resolver({ lookup: noLookup, staticMap: { 'api.internal.test': ['93.184.215.14', '2606:4700::1111'] } });
    expect(await r.resolve('api.internal.test')).toEqual({
      ok: true,
      address: '93.184.215.14',
      family: 4,
      all: ['93.184.215.14', '2606:4700::1111'],
    });
  });

  it('denies the name when any one address is denied (fail closed against rebinding)', async () => {
    const r = resolver({ lookup: noLookup, staticMap: { 'rebind.test': ['93.184.215.14', '10.0.0.7'] } });
    const error = failure(await r.resolve('rebind.test'));
    expect(error.code).toBe('destination_denied');
    expect(error.message).toBe("host 'rebind.test' resolves to a denied address: 10.0.0.7 is in 10.0.0.0/8 (private)");
    expect(error.details).toEqual({ host: 'rebind.test', address: '10.0.0.7' });
  });

  it('still passes the mapped addresses through allow_cidrs', async () => {
    const r = resolver({ lookup: noLookup, allow: ['10.0.0.0/24'], staticMap: { 'svc.test': ['10.0.0.7'] } });
    expect(await r.resolve('svc.test')).toMatchObject({ ok: true, address: '10.0.0.7' });
  });
});

describe('Resolver: DNS', () => {
  it('denies localhost by default (real lookup)', async () => {
    const error = failure(await resolver().resolve('localhost'));
    expect(error.code).toBe('destination_denied');
    expect(error.message).toMatch(/^host 'localhost' resolves to a denied address: (127\.0\.0\.1 is in 127\.0\.0\.0\/8|::1 is in ::1\/128) \(loopback\)$/);
  });

  it('allows localhost when allow_cidrs names loopback (real lookup)', async () => {
    const result = await resolver({ allow: ['127.0.0.1/32', '::1/128'] }).resolve('localhost');
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(['127.0.0.1', '::1']).toContain(result.address);
      expect(result.all[0]).toBe(result.address);
      expect(result.family).toBe(result.address === '::1' ? 6 : 4);
    }
  });

  it('fails an unknown name with upstream_error (real lookup)', async () => {
    const error = failure(await resolver().resolve('does-not-exist.invalid'));
    expect(error.code).toBe('upstream_error');
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/^host 'does-not-exist\.invalid' does not resolve \((ENOTFOUND|ENODATA|EAI_NONAME|EAI_NODATA)\)$/);
  });

  it('checks every address an answer holds, not only the first', async () => {
    const r = resolver({ lookup: async () => ['2606:4700::1111', '93.184.215.14', '::ffff:a9fe:a9fe'] });
    expect(failure(await r.resolve('rebind.test')).message).toContain('::ffff:169.254.169.254 is IPv4-mapped for 169.254.169.254');
  });

  it('returns the first address to dial and every distinct address checked', async () => {
    const r = resolver({ lookup: async () => ['2606:4700:0::1111', '93.184.215.14', '2606:4700::1111'] });
    expect(await r.resolve('dual.test')).toEqual({ ok: true, address: '2606:4700::1111', family: 6, all: ['2606:4700::1111', '93.184.215.14'] });
  });

  it('fails closed on an answer that is not an address', async () => {
    const error = failure(await resolver({ lookup: async () => ['93.184.215.14', 'garbage'] }).resolve('odd.test'));
    expect(error.code).toBe('destination_denied');
    expect(error.message).toContain("'garbage' is not an IP address");
  });

  it('fails an empty answer with upstream_error', async () => {
    const error = failure(await resolver({ lookup: async () => [] }).resolve('empty.test'));
    expect(error.code).toBe('upstream_error');
    expect(error.message).toBe("host 'empty.test' resolves to no address");
  });

  it('reports a resolver failure other than "no such host" as such', async () => {
    const lookup: Lookup = () => Promise.reject(Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' }));
    const error = failure(await resolver({ lookup }).resolve('flaky.test'));
    expect(error.code).toBe('upstream_error');
    expect(error.message).toBe("DNS lookup for host 'flaky.test' failed (EAI_AGAIN)");
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('bounds a slow lookup with upstream_timeout', async () => {
    const started = performance.now();
    const error = failure(await resolver({ lookup: () => new Promise(() => {}), timeoutMs: 50 }).resolve('slow.test'));
    expect(error.code).toBe('upstream_timeout');
    expect(error.status).toBe(504);
    expect(error.message).toBe("DNS lookup for host 'slow.test' timed out after 50 ms");
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('Resolver: self addresses', () => {
  it("denies the gateway's own listener by port, even for an allowed address", async () => {
    const guard = new DestinationGuard({ useDefaultDeny: true, denyCidrs: [], allowCidrs: cidrs('127.0.0.1/32') });
    guard.addSelf('127.0.0.1', 3128);
    const r = new Resolver({ guard, staticMap: new Map([['loop.test', ['127.0.0.1']]]), lookup: noLookup });
    expect(failure(await r.resolve('loop.test', 3128)).message).toContain("127.0.0.1 port 3128 is the gateway's own listening address");
    expect(await r.resolve('loop.test', 8443)).toMatchObject({ ok: true, address: '127.0.0.1' });
  });

  describe('answers kept for 5 s', () => {
    it('reuses an answer for 5 s, synchronously, and asks again after', async () => {
      let clock = 1_000_000;
      const asked: string[] = [];
      const r = resolver({ now: () => clock, lookup: async (host) => { asked.push(host); return ['93.184.215.14']; } });
      expect(await r.resolve('kept.test', 443)).toMatchObject({ ok: true, address: '93.184.215.14' });
      clock += 4_999;
      const again = r.resolve('kept.test', 443);
      expect(again).not.toBeInstanceOf(Promise);
      expect(again).toMatchObject({ ok: true, address: '93.184.215.14' });
      clock += 1;
      expect(await r.resolve('kept.test', 443)).toMatchObject({ ok: true });
      expect(asked).toEqual(['kept.test', 'kept.test']);
    });

    it('shares one lookup among concurrent requests for a name', async () => {
      let calls = 0;
      let answer!: (addresses: readonly string[]) => void;
      const r = resolver({ lookup: () => { calls++; return new Promise((resolve) => { answer = resolve; }); } });
      const all = Promise.all([r.resolve('shared.test'), r.resolve('shared.test'), r.resolve('shared.test')]);
      answer(['93.184.215.14']);
      expect((await all).every((result) => result.ok)).toBe(true);
      expect(calls).toBe(1);
    });

    it('checks a kept answer on every use, and keeps no failure', async () => {
      let calls = 0;
      const r = resolver({ lookup: async () => { calls++; if (calls === 1) throw Object.assign(new Error('x'), { code: 'EAI_AGAIN' }); return ['10.0.0.7']; } });
      expect(failure(await r.resolve('inner.test')).code).toBe('upstream_error');
      expect(failure(await r.resolve('inner.test')).code).toBe('destination_denied');
      expect(failure(await r.resolve('inner.test')).code).toBe('destination_denied');
      expect(calls).toBe(2);
    });
  });
});

