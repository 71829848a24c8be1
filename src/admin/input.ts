// Strict checks of admin request bodies and query strings. Like the config (SPEC §4), unknown
// fields and parameters are errors: a typo such as `?agnet=` must not silently widen a query.
import { badRequest } from './admin-error.ts';

export type JsonObject = Readonly<Record<string, unknown>>;

/**
 * The body as an object with only `allowed` keys. An absent body reads as `{}` unless
 * `required`, so `POST /v1/reload` works without one.
 */
export function bodyObject(body: unknown, allowed: readonly string[], required = false): JsonObject {
  if (body === undefined) {
    if (required) throw badRequest('invalid_body', 'a JSON object body is required');
    return {};
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('invalid_body', `the body must be a JSON object, not ${describeJson(body)}`);
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      const accepted = allowed.length === 0 ? 'no fields are accepted' : `accepted: ${allowed.join(', ')}`;
      throw badRequest('invalid_body', `unknown field '${key}' (${accepted})`);
    }
  }
  return body as JsonObject;
}

export function optionalString(body: JsonObject, key: string, maxLength: number): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  return checkedString(key, value, maxLength);
}

export function requiredString(body: JsonObject, key: string, maxLength: number): string {
  const value = body[key];
  if (value === undefined) throw badRequest('invalid_body', `'${key}' is required`);
  return checkedString(key, value, maxLength);
}

export function requiredBoolean(body: JsonObject, key: string): boolean {
  const value = body[key];
  if (value === undefined) throw badRequest('invalid_body', `'${key}' is required (true or false)`);
  if (typeof value !== 'boolean') throw badRequest('invalid_body', `'${key}' must be true or false, not ${describeJson(value)}`);
  return value;
}

function checkedString(key: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string') throw badRequest('invalid_body', `'${key}' must be a string, not ${describeJson(value)}`);
  if (value.trim() === '') throw badRequest('invalid_body', `'${key}' must not be empty`);
  if (value.length > maxLength) throw badRequest('invalid_body', `'${key}' is longer than ${maxLength} characters`);
  return value;
}

/** Refuses unknown and repeated parameters; returns each accepted one that is present. */
export function queryParams(query: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const seen = new Map<string, string>();
  for (const [name, value] of query) {
    if (!allowed.includes(name)) {
      const accepted = allowed.length === 0 ? 'this endpoint takes none' : `accepted: ${allowed.join(', ')}`;
      throw badRequest('invalid_query', `unknown query parameter '${name}' (${accepted})`);
    }
    if (seen.has(name)) throw badRequest('invalid_query', `query parameter '${name}' is given more than once`);
    seen.set(name, value);
  }
  return seen;
}

export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 80);
}
