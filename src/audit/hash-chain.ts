// Tamper evidence (SPEC §6): each process start is a new instance whose records carry a
// gapless seq and the hash of the previous record. hash = sha256 over the RFC 8785 canonical
// JSON of the record without its hash field (prev_hash included).
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import canonicalize from 'canonicalize';

export interface ChainedFields {
  instance: string;
  seq: number;
  prev_hash: string | null;
}

export function sha256Canonical(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('audit record cannot be canonicalised');
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

export class HashChain {
  readonly instance: string;
  #seq = 0;
  #prev: string | null = null;

  constructor(instance = `${hostname()}-${new Date().toISOString()}`) {
    this.instance = instance;
  }

  /**
   * Stamps instance, seq and prev_hash on the record, hashes it and returns the JSON line.
   * Canonical JSON is computed once; the line is that text with the hash appended, which is
   * valid JSON that `audit verify` re-canonicalises without the hash field.
   */
  seal(record: object): string {
    const chained = record as object & ChainedFields;
    chained.instance = this.instance;
    chained.seq = ++this.#seq;
    chained.prev_hash = this.#prev;
    const text = canonicalize(chained);
    if (text === undefined) throw new TypeError('audit record cannot be canonicalised');
    const hash = `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
    this.#prev = hash;
    return `${text.slice(0, -1)},"hash":"${hash}"}`;
  }
}
