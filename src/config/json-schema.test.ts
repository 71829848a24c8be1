import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_ID, configJsonSchemaText } from './json-schema.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('config/schema.json', () => {
  it('is exactly what bin/gen-schema.ts prints (regenerate: node bin/gen-schema.ts > config/schema.json)', () => {
    const generated = execFileSync(process.execPath, [resolve(ROOT, 'bin/gen-schema.ts')], { encoding: 'utf8' });
    expect(generated).toBe(configJsonSchemaText());
    expect(readFileSync(resolve(ROOT, 'config/schema.json'), 'utf8')).toBe(generated);
  });

  it('is a usable draft-07 schema that closes every object', () => {
    const schema = JSON.parse(configJsonSchemaText()) as Record<string, unknown>;
    expect(schema['$id']).toBe(CONFIG_SCHEMA_ID);
    expect(schema['additionalProperties']).toBe(false);
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate({ version: 1, limits: { idle_timeout: '60s' } })).toBe(true);
    expect(validate({ version: 1, limits: { idle_timeout: '60 seconds' } })).toBe(false);
    expect(validate({ version: 1, hosts: [] })).toBe(false);
  });
});
