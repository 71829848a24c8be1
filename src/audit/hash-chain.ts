// Tamper evidence (SPEC §6): each process start is a new instance whose records carry a
// gapless seq and the hash of the previous record. hash = sha256 over the RFC 8785 canonical
// JSON of the record without its hash field (prev_hash included).
import { hash } from 'node:crypto';
import { hostname } from 'node:os';
import canonicalize from 'canonicalize';

export interface ChainedFields {
  instance: string;
  seq: number;
  prev_hash: string | null;
}

function canonicalText(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('audit record cannot be canonicalised');
  return text;
}

// One-shot crypto.hash: no Hash object per record (the chain hashes every request).
const sha256Of = (text: string): string => `sha256:${hash('sha256', text, 'hex')}`;

export function sha256Canonical(value: unknown): string {
  return sha256Of(canonicalText(value));
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
   * valid JSON that `audit verify` re-canonicalises without the hash field. `canonical` must
   * give exactly what `canonicalize` gives (the audit log passes its record-shaped serializer).
   */
  seal<T extends object>(record: T, canonical: (sealed: T & ChainedFields) => string = canonicalText): string {
    const chained = record as T & ChainedFields;
    chained.instance = this.instance;
    chained.seq = ++this.#seq;
    chained.prev_hash = this.#prev;
    const text = canonical(chained);
    const sealedHash = sha256Of(text);
    this.#prev = sealedHash;
    return `${text.slice(0, -1)},"hash":"${sealedHash}"}`;
  }
}
