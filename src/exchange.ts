// Per-request context: every stage writes what it learned here, the audit record, the
// response and the metrics read it. A class with every field initialised keeps one object
// shape on the hot path.
import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { AuditBudget } from './audit/record.ts';
import type { DecisionCode } from './errors.ts';
import type { Identity } from './identity/identity.ts';

// ulid's default PRNG asks WebCrypto for one byte per character: 16 getRandomValues calls (each
// an OpenSSL RAND_bytes with its fork check) for every id in a new millisecond, 5 % of the
// gateway's CPU in bench/ case 1. The same CSPRNG, drawn 4 KB at a time; byte / 256 maps each
// byte onto ulid's 32 characters uniformly, as its own PRNG does.
const randomPool = new Uint8Array(4096);
let randomNext = randomPool.length;
function pooledRandom(): number {
  if (randomNext === randomPool.length) {
    randomFillSync(randomPool);
    randomNext = 0;
  }
  return randomPool[randomNext++]! / 256;
}

const ulid = monotonicFactory(pooledRandom);

export class Exchange {
  readonly id: string = ulid();
  readonly startedAt: number = performance.now();
  readonly ts: number = Date.now();
  identity: Identity | null = null;
  decision: 'allow' | 'deny' | 'report' = 'allow';
  code: DecisionCode = 'ok';
  /** Message of the deny (or of the would-be deny in report mode). */
  message: string | null = null;
  rule: string | null = null;
  mode: 'enforce' | 'report' = 'enforce';
  method = '';
  scheme: 'http' | 'https' = 'https';
  host = '';
  port = 0;
  path = '';
  requestBytes = 0;
  intercepted = false;
  destinationIp: string | null = null;
  status: number | null = null;
  /** Time to upstream response headers. */
  upstreamMs: number | null = null;
  /** Set when the upstream failed after the response began (the agent saw a cut stream). */
  upstreamError: string | null = null;
  responseBytes = 0;
  /** Tunnels only: bytes from the agent to the upstream (requestBytes) and back (responseBytes). */
  tunnel = false;
  usage: Record<string, unknown> | null = null;
  costUsd: number | null = null;
  budgets: readonly AuditBudget[] | null = null;
  approval: Record<string, unknown> | null = null;

  /** A refusal that is enforced: overrides a report-mode verdict recorded earlier. */
  refuse(code: DecisionCode, message: string): void {
    this.decision = 'deny';
    this.code = code;
    this.message = message;
  }

  /** Report mode (SPEC §4): would have been refused with `code`, but is forwarded. */
  report(code: DecisionCode, message: string): void {
    this.decision = 'report';
    this.mode = 'report';
    this.code = code;
    this.message = message;
  }

  get agentId(): string | null {
    return this.identity?.agent.id ?? null;
  }

  durationMs(): number {
    return Math.round((performance.now() - this.startedAt) * 10) / 10;
  }
}
