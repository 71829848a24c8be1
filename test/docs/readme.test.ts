// Keeps the README's error-code table honest (fastify's errors test is the model): every code
// declared in src/errors.ts is documented with its status, and nothing else is.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DENY_CODES } from '../../src/errors.ts';

const README = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');

describe('README.md error-code table', () => {
  it('lists every deny code with its status, and no other code', () => {
    const rows = [...README.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(DENY_CODES);
    expect(rows).toHaveLength(Object.keys(DENY_CODES).length);
  });
});
