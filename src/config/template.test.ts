import { describe, expect, it } from 'vitest';
import { parseTemplate } from './template.ts';

describe('parseTemplate', () => {
  it.each([
    ['plain text', ['plain text']],
    ['${env:HOME}', [{ kind: 'env', arg: 'HOME', raw: '${env:HOME}' }]],
    ['Bearer ${secret:openai}', ['Bearer ', { kind: 'secret', arg: 'openai', raw: '${secret:openai}' }]],
    ['${file:/run/a:b}!', [{ kind: 'file', arg: '/run/a:b', raw: '${file:/run/a:b}' }, '!']],
    ['$${env:HOME} and $5 and $$', ['${env:HOME} and $5 and $$']],
    ['a${env:A}b${env:B}', ['a', { kind: 'env', arg: 'A', raw: '${env:A}' }, 'b', { kind: 'env', arg: 'B', raw: '${env:B}' }]],
  ])('%s', (text, parts) => {
    expect(parseTemplate(text)).toEqual({ parts });
  });

  it.each([
    ['${vault:x}', "unknown reference kind 'vault' in '${vault:x}'"],
    ['${HOME}', "reference '${HOME}' has no kind"],
    ['${env:}', "reference '${env:}' names nothing"],
    ['token ${env:A', "unterminated reference '${env:A'"],
  ])('refuses %s', (text, message) => {
    const result = parseTemplate(text);
    expect('error' in result && result.error).toContain(message);
  });
});
