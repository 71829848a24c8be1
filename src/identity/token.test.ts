import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseProxyAuthorization } from './token.ts';

const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
const basic = (s: string): string => `Basic ${Buffer.from(s).toString('base64')}`;

describe('parseProxyAuthorization', () => {
  it('absent → null', () => {
    expect(parseProxyAuthorization(undefined)).toBeNull();
    expect(parseProxyAuthorization('')).toBeNull();
  });
  it('Basic agent:token → claimed agent and the token digest (never the token)', () => {
    expect(parseProxyAuthorization(basic('ci-runner:s3cret'))).toEqual({ claimedAgent: 'ci-runner', sha256: sha('s3cret') });
  });
  it('a token may contain colons; the agent id may be percent-encoded', () => {
    expect(parseProxyAuthorization(basic('team%2Fbot:a:b'))).toEqual({ claimedAgent: 'team/bot', sha256: sha('a:b') });
  });
  it('Bearer token', () => {
    expect(parseProxyAuthorization('Bearer abc')).toEqual({ claimedAgent: null, sha256: sha('abc') });
    expect(parseProxyAuthorization('bearer abc')).toEqual({ claimedAgent: null, sha256: sha('abc') });
  });
  it('malformed headers are described, not accepted', () => {
    expect(parseProxyAuthorization('Bearer ')).toMatch(/empty bearer/);
    expect(parseProxyAuthorization(basic('no-colon'))).toMatch(/agent-id:token/);
    expect(parseProxyAuthorization(basic(':token'))).toMatch(/agent-id:token/);
    expect(parseProxyAuthorization('Digest x')).toMatch(/unsupported scheme 'digest'/);
  });
});
