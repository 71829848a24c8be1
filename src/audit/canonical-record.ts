// RFC 8785 canonical JSON of a sealed audit record, byte for byte what `canonicalize` gives for
// it, written out for the record's fixed shape. The generic serializer sorts every object's keys,
// tracks cycles and checks toJSON on every value: 7 % of the gateway's CPU per request in
// bench/ case 1, for a shape known here. Keys are emitted in sorted (UTF-16 code unit) order;
// the free-form parts (usage, approval) still go through `canonicalize`.
// canonical-record.test.ts holds this equal to `canonicalize` for records with every field set.
import canonicalize from 'canonicalize';
import type { ChainedFields } from './hash-chain.ts';
import type { AuditRecordBody } from './record.ts';

export type SealedRecord = AuditRecordBody & ChainedFields;

/** A string member's value; null as JSON null. Anything else is a bug upstream, not a record to hash. */
function str(v: string | null): string {
  if (v === null) return 'null';
  if (typeof v !== 'string') throw new TypeError(`audit record: expected a string, got ${typeof v}`);
  if (!v.isWellFormed()) throw new Error('Lone surrogate is not allowed');
  return JSON.stringify(v);
}

function num(v: number | null): string {
  if (v === null) return 'null';
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${v} is not allowed`);
  return JSON.stringify(v);
}

/** The free-form members (usage, approval) keep the generic serializer. */
function obj(v: object | null): string {
  return v === null ? 'null' : (canonicalize(v) as string);
}

function identity(i: SealedRecord['identity']): string {
  if (i === null) return 'null';
  // Members a method does not have are absent, as canonicalize leaves out undefined.
  let out = '';
  for (const key of IDENTITY_KEYS) {
    const v = i[key];
    if (v !== undefined) out += `${out === '' ? '' : ','}"${key}":${str(v)}`;
  }
  return `{${out}}`;
}

const IDENTITY_KEYS = ['cn', 'fingerprint', 'method', 'spiffe'] as const;

/** Every request a budget applies to carries them: a fixed shape, like the record's. */
function budgets(list: SealedRecord['budgets']): string {
  if (list === null) return 'null';
  let out = '';
  for (const b of list) out += `${out === '' ? '' : ','}{"id":${str(b.id)},"limit_usd":${num(b.limit_usd)},"spent_usd":${num(b.spent_usd)}}`;
  return `[${out}]`;
}

/** One template, members in sorted order: no intermediate strings per member. */
export function canonicalRecord(r: SealedRecord): string {
  const q = r.request;
  return `{"agent":${str(r.agent)},"approval":${obj(r.approval)},"budgets":${budgets(r.budgets)},"code":${str(r.code)},` +
    `"cost_usd":${num(r.cost_usd)},"decision":${str(r.decision)},"destination":{"ip":${str(r.destination.ip)}},` +
    `"duration_ms":${num(r.duration_ms)},"id":${str(r.id)},"identity":${identity(r.identity)},"instance":${str(r.instance)},` +
    `"message":${str(r.message)},"mode":${str(r.mode)},"policy_version":${str(r.policy_version)},"prev_hash":${str(r.prev_hash)},` +
    `"request":{"bytes":${num(q.bytes)},"host":${str(q.host)},"intercepted":${q.intercepted ? 'true' : 'false'},` +
    `"method":${str(q.method)},"path":${str(q.path)},"port":${num(q.port)},"scheme":${str(q.scheme)}},` +
    `"response":{"bytes":${num(r.response.bytes)},"status":${num(r.response.status)}},"rule":${str(r.rule)},` +
    `"seq":${num(r.seq)},"ts":${str(r.ts)},"usage":${obj(r.usage)}}`;
}
