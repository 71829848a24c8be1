// config/schema.json for editors (yaml-language-server, IDEs), generated from the same
// TypeBox source the loader validates with, so the two cannot disagree (STYLE 5).
import { ConfigSchema } from './schema.ts';

export const CONFIG_SCHEMA_ID = 'urn:portcullis:config:1';

/** The file's exact text: 2-space JSON, newline-terminated. */
export function configJsonSchemaText(): string {
  // JSON.stringify drops TypeBox's symbol-keyed metadata, leaving plain JSON Schema.
  const document = { $schema: 'http://json-schema.org/draft-07/schema#', $id: CONFIG_SCHEMA_ID, ...ConfigSchema };
  return `${JSON.stringify(document, null, 2)}\n`;
}
