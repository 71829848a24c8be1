import { describe, expect, it } from 'vitest';
import { decodeObjectId, integer, objectId, readElement, time, tlv } from './der.ts';

const hex = (buffer: Buffer) => buffer.toString('hex');

describe('DER encoding', () => {
  it.each([
    [0, '020100'],
    [127, '02017f'],
    [128, '02020080'],
    [65537, '0203010001'],
  ])('integer(%d) → %s', (value, expected) => {
    expect(hex(integer(value))).toBe(expected);
  });

  it('keeps a big integer positive and minimal', () => {
    expect(hex(integer(Buffer.from([0x00, 0x00, 0x05])))).toBe('020105');
    expect(hex(integer(Buffer.from([0xff, 0x01])))).toBe('020300ff01');
  });

  it('uses long-form lengths past 127 octets', () => {
    expect(hex(tlv(0x04, Buffer.alloc(200)).subarray(0, 3))).toBe('0481c8');
    expect(hex(tlv(0x04, Buffer.alloc(300)).subarray(0, 4))).toBe('0482012c');
  });

  it('encodes object identifiers and reads them back', () => {
    expect(hex(objectId('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(hex(objectId('2.5.29.17'))).toBe('0603551d11');
    expect(decodeObjectId(objectId('1.3.6.1.5.5.7.3.1').subarray(2))).toBe('1.3.6.1.5.5.7.3.1');
  });

  it('writes UTCTime through 2049 and GeneralizedTime from 2050, in whole seconds', () => {
    expect(time(new Date('2049-12-31T23:59:59.999Z')).toString('latin1', 2)).toBe('491231235959Z');
    expect(time(new Date('2049-12-31T23:59:59Z'))[0]).toBe(0x17);
    const late = time(new Date('2050-01-01T00:00:00Z'));
    expect(late[0]).toBe(0x18);
    expect(late.toString('latin1', 2)).toBe('20500101000000Z');
  });
});

describe('DER reading', () => {
  it('finds the bounds of a long-form element', () => {
    const der = tlv(0x30, Buffer.alloc(300, 1));
    expect(readElement(der, 0)).toEqual({ tag: 0x30, start: 0, body: 4, end: 304 });
  });

  it('refuses an element that runs past its input', () => {
    expect(() => readElement(Buffer.from([0x30, 0x05, 0x00]), 0)).toThrow(/runs past the end/);
    expect(() => readElement(Buffer.from([0x30]), 0)).toThrow(/truncated/);
  });
});
