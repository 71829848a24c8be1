// One ajv error → one sentence an operator can act on: "unknown key 'hosts'; did you mean
// 'host'?", "must be a rate N/s|min|hour|day, e.g. 120/min, got '5/minute'", "must be an
// integer, got string '3128'". ajv's own texts ("must NOT have additional properties") name
// neither the key nor the value.
import type { ErrorObject } from 'ajv';
import { describeValue, typeName } from './plain.ts';
import { closest } from './suggest.ts';

/** A located message, still addressed by JSON pointer into the validated document. */
export interface Finding {
  readonly pointer: string;
  readonly keyword: string;
  readonly text: string;
  /** For `required`: the missing key; for `additionalProperties`: the key it was probably meant as. */
  readonly key?: string;
}

/** How the value at a pointer reads in a message (secret-bearing strings are shown as written). */
export type Shown = (pointer: string) => unknown;

// Patterns whose schema description is not a noun phrase that reads after "must be".
const PATTERN_NAMES: Readonly<Record<string, string>> = {
  '^[A-Za-z0-9][A-Za-z0-9_.-]*$': "an id of letters, digits, '_', '.' and '-', starting with a letter or digit",
  '^[A-Za-z]+$': 'an HTTP method name such as GET or POST',
};

export function escapePointer(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** `string '3128'`, `number 5`, `a list`: what was found, with its type, for type errors. */
export function typedValue(value: unknown): string {
  if (typeof value === 'string') return `string ${describeValue(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return describeValue(value);
}

export function messageFor(error: ErrorObject, shown: Shown): Finding {
  const at = error.instancePath;
  const got = (): string => describeValue(shown(at));
  const params = error.params as Record<string, unknown>;
  const finding = (text: string, pointer = at): Finding => ({ pointer, keyword: error.keyword, text });

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const known = Object.keys((error.parentSchema?.['properties'] as object | undefined) ?? {});
      const meant = closest(key, known);
      const hint = meant === null ? '' : `; did you mean '${meant}'?`;
      return { ...finding(`unknown key '${key}'${hint}`, `${at}/${escapePointer(key)}`), ...(meant === null ? {} : { key: meant }) };
    }
    case 'required': {
      const key = String(params['missingProperty']);
      return { ...finding(`missing required key '${key}'`), key };
    }
    case 'type':
      return finding(`must be ${typeName(String(params['type']))}, got ${typedValue(shown(at))}`);
    case 'const':
      return finding(`must be ${describeValue(params['allowedValue'])}, got ${got()}`);
    case 'pattern': {
      const pattern = String(params['pattern']);
      const description = error.parentSchema?.['description'];
      const name = PATTERN_NAMES[pattern] ?? (typeof description === 'string' ? description : `text matching ${pattern}`);
      return finding(`must be ${name}, got ${got()}`);
    }
    case 'minimum':
      return finding(`must be at least ${String(params['limit'])}, got ${got()}`);
    case 'maximum':
      return finding(`must be at most ${String(params['limit'])}, got ${got()}`);
    case 'minLength':
      return finding(params['limit'] === 1 ? 'must not be empty' : `must be at least ${String(params['limit'])} characters long`);
    case 'minItems': {
      const limit = Number(params['limit']);
      return finding(`must list at least ${limit} ${limit === 1 ? 'item' : 'items'}`);
    }
    default:
      return finding(error.message ?? `fails schema keyword '${error.keyword}'`);
  }
}
