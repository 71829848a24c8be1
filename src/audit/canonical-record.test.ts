import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { Exchange } from '../exchange.ts';
import type { Identity } from '../identity/identity.ts';
import type { CompiledAgent } from '../policy/types.ts';
import { canonicalRecord, type SealedRecord } from './canonical-record.ts';
import { HashChain, sha256Canonical } from './hash-chain.ts';
import { recordOf } from './record.ts';

const identity: Identity = {
  agent: { id: 'finance-auditor' } as CompiledAgent,
  method: 'mtls+token',
  spiffe: 'spiffe://acme.internal/agent/finance-auditor',
  cn: 'finance-auditor',
  fingerprint: 'sha256:ab12',
};

/** Every field of the record set, including the free-form ones, with awkward strings. */
function fullExchange(): Exchange {
  const ex = new Exchange();
  ex.identity = identity;
  ex.method = 'POST';
  ex.host = 'api.ïdn.test';
  ex.port = 8443;
  ex.path = '/v1/"quoted"\\back\u0001ctl/é/😀';
  ex.rule = 'llm/openai';
  ex.report('budget_exceeded', 'would cross "daily" — $50');
  ex.requestBytes = 1234;
  ex.intercepted = true;
  ex.destinationIp = '2001:db8::1';
  ex.status = 200;
  ex.responseBytes = 98_765;
  ex.upstreamError = null;
  ex.usage = { output_tokens: 7, model: 'gpt-4o-mini', input_tokens: 12, nested: { z: 1, a: [3, 'b', null, true] } };
  ex.costUsd = 0.000123;
  ex.budgets = [{ spent_usd: 1.5, id: 'daily', limit_usd: 50 }, { id: 'team:finance', spent_usd: 0, limit_usd: 2e21 }];
  ex.approval = { state: 'approved', id: '01J', by: 'ana', comment: null, decided_at: '2026-01-05T12:00:00.000Z' };
  return ex;
}

function sealed(ex: Exchange, seq = 7, prev: string | null = 'sha256:00ff'): SealedRecord {
  return { ...recordOf(ex, 'sha256:policy'), instance: 'host-2026-01-05T00:00:00.000Z', seq, prev_hash: prev };
}

describe('canonicalRecord', () => {
  it('is byte for byte what canonicalize gives, with every field set', () => {
    const record = sealed(fullExchange());
    expect(canonicalRecord(record)).toBe(canonicalize(record));
  });

  it('is byte for byte what canonicalize gives for a bare refusal (nulls everywhere)', () => {
    const ex = new Exchange();
    ex.method = 'CONNECT';
    ex.refuse('identity_required', 'no client certificate');
    const record = sealed(ex, 1, null);
    expect(record.identity).toBeNull();
    expect(canonicalRecord(record)).toBe(canonicalize(record));
  });

  it('leaves out no field: parsing it back gives the record', () => {
    const record = sealed(fullExchange());
    expect(JSON.parse(canonicalRecord(record))).toEqual(JSON.parse(JSON.stringify(record)));
  });

  it('refuses a lone surrogate, as canonicalize does', () => {
    const ex = fullExchange();
    ex.path = '/bad\uD800';
    const record = sealed(ex);
    expect(() => canonicalize(record)).toThrow();
    expect(() => canonicalRecord(record)).toThrow(/surrogate/);
  });

  it('seals lines whose hash the verifier recomputes', () => {
    const chain = new HashChain('bench');
    const line = chain.seal(recordOf(fullExchange(), 'sha256:policy'), canonicalRecord);
    const { hash, ...body } = JSON.parse(line) as Record<string, unknown>;
    expect(hash).toBe(sha256Canonical(body));
  });
});
