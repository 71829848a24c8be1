import { describe, expect, it } from 'vitest';
import { configFileOf, isHttpUrl, parseArgs, parseFlagAssignment, parseInstant, parseMethod, type ParsedArgs } from './args.ts';

const SPEC = { values: ['-c', '--agent'], flags: ['--json'], lists: ['--flag'] };

function parsed(argv: string[]): ParsedArgs {
  const result = parseArgs(argv, SPEC);
  if ('error' in result) throw new Error(result.error);
  return result;
}

describe('parseArgs', () => {
  it('separates options, flags, repeated options and positionals in any order', () => {
    const args = parsed(['GET', '-c', 'a.yaml', '--flag', 'x=true', '--json', '--agent=bot', 'https://h/', '--flag', 'y=false']);
    expect(args.values).toEqual({ '-c': 'a.yaml', '--agent': 'bot' });
    expect([...args.flags]).toEqual(['--json']);
    expect(args.lists).toEqual({ '--flag': ['x=true', 'y=false'] });
    expect(args.positionals).toEqual(['GET', 'https://h/']);
  });

  it('lets the last occurrence of a value option win and treats everything after -- as positional', () => {
    const args = parsed(['-c', 'a.yaml', '-c', 'b.yaml', '--', '--json', '-c']);
    expect(args.values['-c']).toBe('b.yaml');
    expect(args.flags.size).toBe(0);
    expect(args.positionals).toEqual(['--json', '-c']);
  });

  it.each([
    [['--jsno'], "unknown option '--jsno'"],
    [['-x'], "unknown option '-x'"],
    [['-c'], "option '-c' needs a value"],
    [['--json=yes'], "option '--json' takes no value"],
  ])('refuses %j: %s', (argv, error) => {
    expect(parseArgs(argv, SPEC)).toEqual({ error });
  });
});

describe('configFileOf', () => {
  const args = (argv: string[]) => parsed(argv);
  it('prefers -c, then PORTCULLIS_CONFIG, then config/portcullis.yaml', () => {
    expect(configFileOf(args(['-c', 'x.yaml']), { PORTCULLIS_CONFIG: 'env.yaml' })).toBe('x.yaml');
    expect(configFileOf(args([]), { PORTCULLIS_CONFIG: 'env.yaml' })).toBe('env.yaml');
    expect(configFileOf(args([]), { PORTCULLIS_CONFIG: '' })).toBe('config/portcullis.yaml');
    expect(configFileOf(args([]), {})).toBe('config/portcullis.yaml');
  });
});

describe('option values', () => {
  it('parses instants only with an explicit zone', () => {
    expect(parseInstant('2026-01-05T09:30:00Z')).toBe(Date.UTC(2026, 0, 5, 9, 30));
    expect(parseInstant('2026-01-05T10:30+01:00')).toBe(Date.UTC(2026, 0, 5, 9, 30));
    expect(parseInstant('2026-01-05T09:30:00')).toBeNull();
    expect(parseInstant('2026-01-05')).toBeNull();
    expect(parseInstant('2026-02-30T09:30:00Z')).toBeNull();
    expect(parseInstant('2026-01-05T25:00:00Z')).toBeNull();
    expect(parseInstant('2026-13-05T09:30:00Z')).toBeNull();
  });

  it('parses flag assignments as name=true|false', () => {
    expect(parseFlagAssignment('freeze=true')).toEqual(['freeze', true]);
    expect(parseFlagAssignment('incident.2=false')).toEqual(['incident.2', false]);
    expect(parseFlagAssignment('freeze')).toBeNull();
    expect(parseFlagAssignment('freeze=yes')).toBeNull();
  });

  it('upper-cases method tokens and refuses anything else', () => {
    expect(parseMethod('post')).toBe('POST');
    expect(parseMethod('GE T')).toBeNull();
    expect(parseMethod('')).toBeNull();
  });

  it('accepts only absolute http(s) URLs with an authority', () => {
    expect(isHttpUrl('https://api.example.com/v1?x=1')).toBe(true);
    expect(isHttpUrl('HTTP://[::1]:8080')).toBe(true);
    expect(isHttpUrl('ftp://example.com/')).toBe(false);
    expect(isHttpUrl('https:///path')).toBe(false);
    expect(isHttpUrl('example.com/path')).toBe(false);
    expect(isHttpUrl('https://example.com/a b')).toBe(false);
  });
});
