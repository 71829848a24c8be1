// The few DER (ITU-T X.690) encodings an X.509 certificate or CRL needs, on Buffers. node-forge's
// certificate builder cannot hold an EC key and signs in pure JavaScript (~20 ms per RSA
// signature, all of it on the event loop); with these helpers the TBS structure is a handful of
// Buffer concatenations and the signature is Node's native, thread-pool `crypto.sign`.

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function lengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One tag-length-value; `content` parts are concatenated. */
export function tlv(tag: number, ...content: readonly Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthOctets(body.length), body]);
}

export const sequence = (...content: readonly Uint8Array[]): Buffer => tlv(TAG.sequence, ...content);
export const set = (...content: readonly Uint8Array[]): Buffer => tlv(TAG.set, ...content);
export const octetString = (bytes: Uint8Array): Buffer => tlv(TAG.octetString, bytes);
export const utf8String = (text: string): Buffer => tlv(TAG.utf8String, Buffer.from(text, 'utf8'));
export const NULL = Buffer.from([TAG.null, 0]);
export const TRUE = Buffer.from([TAG.boolean, 1, 0xff]);

/** A BIT STRING holding whole bytes (signatures, public keys). */
export const bitString = (bytes: Uint8Array): Buffer => tlv(TAG.bitString, Buffer.from([0]), bytes);

/** Context-specific tag `[n]`: constructed for EXPLICIT wrappers, primitive for IMPLICIT strings. */
export const context = (n: number, constructed: boolean, ...content: readonly Uint8Array[]): Buffer =>
  tlv((constructed ? 0xa0 : 0x80) | n, ...content);

const oidCache = new Map<string, Buffer>();

export function objectId(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const base128 = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) base128.unshift(0x80 | (n & 0x7f));
    bytes.push(...base128);
  }
  const encoded = tlv(TAG.oid, Buffer.from(bytes));
  oidCache.set(dotted, encoded);
  return encoded;
}

/** A non-negative INTEGER from its big-endian magnitude, or from a small number. */
export function integer(value: Uint8Array | number): Buffer {
  let bytes = typeof value === 'number' ? smallIntegerBytes(value) : Buffer.from(value);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  // A set top bit would read as negative (two's complement): prefix a zero octet.
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG.integer, bytes);
}

function smallIntegerBytes(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`DER integer out of range: ${value}`);
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from(bytes);
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always whole seconds, Zulu. */
export function time(date: Date): Buffer {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(TAG.utcTime, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(TAG.generalizedTime, Buffer.from(`${digits}Z`, 'ascii'));
}

/** A decoded element: `start` is where its tag is, `body..end` its content. */
export interface Element {
  readonly tag: number;
  readonly start: number;
  readonly body: number;
  readonly end: number;
}

export function readElement(der: Uint8Array, offset: number): Element {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new Error('DER: truncated element');
  let body = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('DER: unsupported length encoding');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[body + i] ?? 0);
    body += count;
  }
  const end = body + length;
  if (end > der.length) throw new Error('DER: element runs past the end of its input');
  return { tag, start: offset, body, end };
}

export function childrenOf(der: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  for (let offset = parent.body; offset < parent.end;) {
    const child = readElement(der, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

export function bytesOf(der: Uint8Array, element: Element, whole = false): Buffer {
  return Buffer.from(der.subarray(whole ? element.start : element.body, element.end));
}

export function decodeObjectId(bytes: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join('.');
}
