// Rewrites helm/portcullis/values.schema.json's `policy` from the config schema:
//   node test/deploy/sync-values-schema.ts
import { writeFileSync } from 'node:fs';
import { readValuesSchema, syncedValuesSchema, VALUES_SCHEMA_FILE, valuesSchemaText } from './values-schema.ts';

writeFileSync(VALUES_SCHEMA_FILE, valuesSchemaText(syncedValuesSchema(readValuesSchema())));
