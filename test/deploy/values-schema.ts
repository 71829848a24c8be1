// The chart's `policy` value is a fragment of the Portcullis config, so values.schema.json
// carries the config schema's own definitions for those keys (Helm needs one self-contained
// file). This is the one place that says which keys those are and how they are copied;
// helm-values.test.ts fails when the chart's copy is stale.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configJsonSchemaText } from '../../src/config/json-schema.ts';

/** Config keys the security team owns; everything else (listen, store, audit…) is the chart's. */
export const POLICY_KEYS = ['prices', 'secrets', 'policies', 'agents', 'budgets', 'network', 'limits'] as const;

export const VALUES_SCHEMA_FILE = resolve(import.meta.dirname, '../../helm/portcullis/values.schema.json');

type JsonObject = Record<string, any>;

/** values.schema.json with `properties.policy` rebuilt from the config schema. */
export function syncedValuesSchema(values: JsonObject): JsonObject {
  const config = JSON.parse(configJsonSchemaText()) as JsonObject;
  const properties = Object.fromEntries(POLICY_KEYS.map((key) => [key, config['properties'][key]]));
  const policy = { ...values['properties']['policy'], properties };
  return { ...values, properties: { ...values['properties'], policy } };
}

export function readValuesSchema(): JsonObject {
  return JSON.parse(readFileSync(VALUES_SCHEMA_FILE, 'utf8')) as JsonObject;
}

export function valuesSchemaText(schema: JsonObject): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
