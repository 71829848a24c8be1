// Validates the merged, resolved document against ConfigSchema (SPEC §4: one strict schema,
// unknown keys are errors) and turns ajv's errors into located issues.
//
// Unions (`anyOf`) are where raw ajv output is noise: a sink `{type: file}` without `path`
// fails all four sink branches. We report only the branch that fits best: the one whose
// discriminating `type` matches, else the one whose shape (type) matches the value with the
// fewest errors; when no branch fits at all, one sentence listing what would.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { issueAt, type ConfigIssue, type KeyPath, type Locator } from './issues.ts';
import { describeValue, isPlainMap, typeName } from './plain.ts';
import { ConfigSchema } from './schema.ts';
import { escapePointer, messageFor, typedValue, type Finding, type Shown } from './schema-messages.ts';
import { didYouMean } from './suggest.ts';

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  // strict: false because TypeBox emits its own keywords next to the JSON Schema ones;
  // verbose: the messages need each error's schema and data.
  validator ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(ConfigSchema);
  return validator;
}

/** `view` is the public view of `document`: messages quote values from it, never secrets. */
export function validateConfig(document: unknown, view: unknown, locate: Locator): ConfigIssue[] {
  const validate = compiled();
  if (validate(document)) return [];
  const shown: Shown = (pointer) => valueAt(view, pointer);
  const findings = explain(validate.errors ?? [], shown);

  // A value of the wrong type also fails every other keyword at its place; the type error
  // alone says what is wrong.
  const typeErrorAt = new Set(findings.filter((f) => f.keyword === 'type').map((f) => f.pointer));
  // A misspelled required key is one mistake: "unknown key 'hosts'; did you mean 'host'?" says
  // it all, without a second "missing required key 'host'".
  const misspelled = new Set(findings
    .filter((f) => f.keyword === 'additionalProperties' && f.key !== undefined)
    .map((f) => `${parentPointer(f.pointer)}\n${f.key}`));
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const finding of findings) {
    if (finding.keyword !== 'type' && typeErrorAt.has(finding.pointer)) continue;
    if (finding.keyword === 'required' && misspelled.has(`${finding.pointer}\n${finding.key}`)) continue;
    const key = `${finding.pointer}\n${finding.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issueAt(locate, pointerToPath(document, finding.pointer), finding.text));
  }
  return issues;
}

function explain(errors: readonly ErrorObject[], shown: Shown): Finding[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  const outermost = unions.filter((union) => !unions.some((other) => isInside(union, other)));
  const consumed = new Set<ErrorObject>(outermost);
  const members = new Map<ErrorObject, ErrorObject[]>();
  for (const union of outermost) {
    const inside = errors.filter((e) => isInside(e, union));
    for (const e of inside) consumed.add(e);
    members.set(union, inside);
  }
  const findings: Finding[] = [];
  for (const error of errors) {
    const inside = members.get(error);
    if (inside !== undefined) findings.push(...chooseBranch(error, inside, shown));
    else if (!consumed.has(error)) findings.push(messageFor(error, shown));
  }
  return findings;
}

function isInside(error: ErrorObject, union: ErrorObject): boolean {
  return error !== union &&
    error.schemaPath.startsWith(`${union.schemaPath}/`) &&
    (error.instancePath === union.instancePath || error.instancePath.startsWith(`${union.instancePath}/`));
}

type Branch = Record<string, unknown>;

function chooseBranch(union: ErrorObject, inside: readonly ErrorObject[], shown: Shown): Finding[] {
  const branches = (Array.isArray(union.schema) ? union.schema : []) as Branch[];
  const errorsOf = branches.map((_, i) => inside.filter((e) => e.schemaPath.startsWith(`${union.schemaPath}/${i}/`)));
  const at = union.instancePath;
  const data: unknown = union.data;

  const tagKey = discriminator(branches);
  if (tagKey !== null && isPlainMap(data)) {
    const tags = branches.map((b) => constOf(b, tagKey));
    const index = tags.indexOf(data[tagKey]);
    if (index !== -1) return explain(errorsOf[index] ?? [], shown);
    const options = tags.map((t) => describeValue(t)).join(', ');
    if (!Object.hasOwn(data, tagKey)) {
      return [{ pointer: at, keyword: 'required', text: `missing required key '${tagKey}' (one of ${options})` }];
    }
    const tag = data[tagKey];
    const hint = typeof tag === 'string' ? didYouMean(tag, tags.map(String)) : '';
    const pointer = `${at}/${escapePointer(tagKey)}`;
    return [{ pointer, keyword: 'enum', text: `must be one of ${options}, got ${describeValue(shown(pointer))}${hint}` }];
  }

  // A branch "fits" when the value has the branch's shape: no type or const error at the union's own place.
  const fitting = errorsOf
    .map((errors, index) => ({ errors, index }))
    .filter(({ errors }) => !errors.some((e) => e.instancePath === at && (e.keyword === 'type' || e.keyword === 'const')));
  if (fitting.length > 0) {
    const best = fitting.reduce((a, b) => (b.errors.length < a.errors.length ? b : a));
    return explain(best.errors, shown);
  }

  const alternatives = [...new Set(branches.map(describeBranch))];
  if (branches.every((b) => Object.hasOwn(b, 'const'))) {
    const hint = typeof data === 'string' ? didYouMean(data, branches.map((b) => String(b['const']))) : '';
    return [{ pointer: at, keyword: 'enum', text: `must be one of ${alternatives.join(', ')}, got ${describeValue(shown(at))}${hint}` }];
  }
  return [{ pointer: at, keyword: 'type', text: `must be ${joinOr(alternatives)}, got ${typedValue(shown(at))}` }];
}

/** A property every branch pins to a constant (the sinks' `type`), if there is one. */
function discriminator(branches: readonly Branch[]): string | null {
  const first = branches[0];
  if (first === undefined) return null;
  const properties = first['properties'];
  if (!isPlainMap(properties)) return null;
  for (const key of Object.keys(properties)) {
    if (branches.every((b) => constOf(b, key) !== undefined)) return key;
  }
  return null;
}

function constOf(branch: Branch, key: string): unknown {
  const properties = branch['properties'];
  if (!isPlainMap(properties)) return undefined;
  const property = properties[key];
  return isPlainMap(property) ? property['const'] : undefined;
}

function describeBranch(branch: Branch): string {
  if (Object.hasOwn(branch, 'const')) return describeValue(branch['const']);
  return typeof branch['type'] === 'string' ? typeName(branch['type']) : 'another shape';
}

function joinOr(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function parentPointer(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** JSON pointer → key path, with list indexes as numbers (as the locator and compilers use). */
function pointerToPath(document: unknown, pointer: string): KeyPath {
  const path: (string | number)[] = [];
  let node = document;
  for (const segment of pointerSegments(pointer)) {
    const key = Array.isArray(node) ? Number(segment) : segment;
    path.push(key);
    node = Array.isArray(node) ? node[key as number] : isPlainMap(node) ? node[segment] : undefined;
  }
  return path;
}

function valueAt(document: unknown, pointer: string): unknown {
  let node = document;
  for (const segment of pointerSegments(pointer)) {
    node = Array.isArray(node) ? node[Number(segment)] : isPlainMap(node) ? node[segment] : undefined;
  }
  return node;
}
