// Small helpers for the plain JSON-like trees YAML parses into.

export type PlainMap = Record<string, unknown>;

export function isPlainMap(value: unknown): value is PlainMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Assignment that also works for a key named `__proto__` (a YAML file may contain one). */
export function setOwn(target: PlainMap, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** How a value reads in a message: `'5/minute'`, `70000`, `a list`, `a map`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 80 ? `${value.slice(0, 77)}...` : value}'`;
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

/** A JSON type as an operator says it: `a map`, `a list`, `an integer`. */
export function typeName(type: string): string {
  switch (type) {
    case 'object': return 'a map';
    case 'array': return 'a list';
    case 'integer': return 'an integer';
    case 'null': return 'null';
    default: return `a ${type}`;
  }
}

/** The JSON type of a value, for "got string '3128'". */
export function jsonTypeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null || value === undefined) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}
