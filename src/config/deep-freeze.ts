// SPEC §4 / STYLE 5: the compiled config is frozen, so no stage can change what another
// stage sees. Plain objects and arrays are frozen; Maps and Sets cannot be frozen in place
// (their types are Readonly*), so only their contents are. Class instances own their state
// (#private fields) and are left to their own invariants.
export function deepFreeze<T>(value: T): T {
  freeze(value, new Set());
  return value;
}

function freeze(value: unknown, seen: Set<unknown>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Map) {
    for (const item of value.values()) freeze(item, seen);
    return;
  }
  if (value instanceof Set) {
    for (const item of value) freeze(item, seen);
    return;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return;
  Object.freeze(value);
  for (const child of Object.values(value)) freeze(child, seen);
}
