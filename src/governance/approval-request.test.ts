import { describe, expect, it } from 'vitest';
import { bindingMismatch, bodySha256, withoutQueryValues } from './approval-request.ts';
import { newApproval } from './approval-record.ts';
import type { ApprovalRequest } from './types.ts';

describe('withoutQueryValues', () => {
  it.each([
    ['https://api.github.com/repos/acme/x/pulls', 'https://api.github.com/repos/acme/x/pulls'],
    ['https://h/p?token=s3cret&draft=1', 'https://h/p?token=&draft='],
    ['https://h/p?flag&x=1&&y=', 'https://h/p?flag=&x=&y='],
    ['https://h/p?a=1#frag', 'https://h/p?a='],
    ['https://h/p?', 'https://h/p?'],
  ])('%s → %s', (input, expected) => {
    expect(withoutQueryValues(input)).toBe(expected);
    expect(withoutQueryValues(expected)).toBe(expected);
  });
});

describe('bodySha256', () => {
  it('is the sha256: hex of the bytes (empty body: the well-known digest)', () => {
    expect(bodySha256(new Uint8Array())).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(bodySha256(Buffer.from('abc'))).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('bindingMismatch', () => {
  const request: ApprovalRequest = {
    agent: 'a', rule: 'p/r', method: 'POST', url: 'https://h/p?q=1', bodyBytes: 3, bodySha256: bodySha256(Buffer.from('abc')), timeoutMs: 1000,
  };

  it('accepts the record made from the request (query values dropped on both sides)', () => {
    const held = newApproval('id', request, 0);
    expect(bindingMismatch(held, { ...held, state: 'approved' })).toBeNull();
  });

  it.each([
    ['method', { method: 'PUT' }],
    ['url', { url: 'https://h/other' }],
    ['bodySha256', { bodySha256: bodySha256(Buffer.from('abd')) }],
    ['bodyBytes', { bodyBytes: 4 }],
    ['agent', { agent: 'b' }],
  ])('names the first differing field: %s', (field, change) => {
    const held = newApproval('id', request, 0);
    expect(bindingMismatch(held, { ...held, ...change, state: 'approved' })).toBe(field);
  });
});
