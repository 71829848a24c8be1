// Prints the JSON Schema of the config file: `node bin/gen-schema.ts > config/schema.json`.
// src/config/json-schema.test.ts fails when the committed file differs from this output.
import { configJsonSchemaText } from '../src/config/json-schema.ts';

process.stdout.write(configJsonSchemaText());
