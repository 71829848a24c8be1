// `portcullis audit verify FILE` (SPEC §6): every instance's chain must be gapless (seq 1, 2,
// …), each record must link to the previous record's hash, and each hash must match its
// record. Lines of several instances may interleave.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { sha256Canonical } from './hash-chain.ts';

export type VerifyResult =
  | { readonly ok: true; readonly records: number; readonly instances: number }
  | { readonly ok: false; readonly line: number; readonly instance: string | null; readonly seq: number | null; readonly problem: string };

interface ChainState {
  seq: number;
  hash: string;
}

export async function verifyAuditFile(file: string): Promise<VerifyResult> {
  const chains = new Map<string, ChainState>();
  let lineNo = 0;
  let records = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const fail = (problem: string, instance: string | null = null, seq: number | null = null): VerifyResult =>
      ({ ok: false, line: lineNo, instance, seq, problem });
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return fail('not a JSON object');
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return fail('not a JSON object');
    const { instance, seq, hash, prev_hash: prev } = record;
    if (typeof instance !== 'string' || typeof seq !== 'number' || typeof hash !== 'string') {
      return fail('missing instance, seq or hash');
    }
    const { hash: _omit, ...body } = record;
    if (sha256Canonical(body) !== hash) return fail('hash does not match the record (altered)', instance, seq);
    const state = chains.get(instance);
    if (state === undefined) {
      if (seq !== 1 || prev !== null) {
        return fail(`chain starts at seq ${seq} with prev_hash ${JSON.stringify(prev)}; expected seq 1 and null (records removed before it)`, instance, seq);
      }
    } else {
      if (seq !== state.seq + 1) {
        return fail(`seq ${seq} follows seq ${state.seq}; expected ${state.seq + 1} (record removed or reordered)`, instance, seq);
      }
      if (prev !== state.hash) return fail('prev_hash does not match the previous record\'s hash', instance, seq);
    }
    chains.set(instance, { seq, hash });
    records++;
  }
  return { ok: true, records, instances: chains.size };
}
