import { describe, expect, it } from 'vitest';
import { parseYaml } from './yaml-source.ts';
import { locatorFor } from './source-map.ts';

describe('parseYaml', () => {
  it('returns the plain value and locates every key, list item and missing child', () => {
    const text = 'version: 1\nlisten:\n  proxy:\n    port: 3128\nlist:\n  - a\n  - { b: 2 }\n';
    const parsed = parseYaml(text, '/c.yaml');
    expect(parsed.issues).toEqual([]);
    expect(parsed.value).toEqual({ version: 1, listen: { proxy: { port: 3128 } }, list: ['a', { b: 2 }] });
    const locate = locatorFor(parsed.source);
    expect(locate(['listen', 'proxy', 'port'])).toEqual({ file: '/c.yaml', line: 4, column: 5 });
    expect(locate(['list', 1, 'b'])).toEqual({ file: '/c.yaml', line: 7, column: 7 });
    // A key that was never written is located at its deepest written ancestor.
    expect(locate(['listen', 'proxy', 'host'])).toEqual(locate(['listen', 'proxy']));
  });

  it('expands aliases and keeps a __proto__ key as data', () => {
    const parsed = parseYaml('base: &b { port: 1 }\ncopy: *b\n__proto__: { polluted: true }\n', '/c.yaml');
    expect(parsed.value).toMatchObject({ base: { port: 1 }, copy: { port: 1 } });
    expect(Object.hasOwn(parsed.value as object, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('stops a billion-laughs file instead of expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    const parsed = parseYaml(levels.join('\n'), '/bomb.yaml');
    expect(parsed.value).toBeUndefined();
    expect(parsed.issues[0]?.message).toContain('cannot be expanded');
  });

  it('reports syntax errors and duplicate keys with line, column and key path', () => {
    const duplicate = parseYaml('a:\n  b: 1\n  b: 2\n', '/d.yaml');
    expect(duplicate.value).toBeUndefined();
    expect(duplicate.issues).toEqual([{ file: '/d.yaml', line: 3, column: 3, path: 'a.b', message: "duplicate key 'b': a YAML map may set each key once" }]);
    const broken = parseYaml('a: [1, 2\n', '/e.yaml');
    expect(broken.issues[0]).toMatchObject({ file: '/e.yaml', message: expect.stringContaining('YAML syntax error') });
    expect(broken.issues[0]!.line).toBeGreaterThan(0);
  });
});
