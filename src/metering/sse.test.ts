import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from './sse.ts';

interface Seen {
  readonly events: SseEvent[];
  /** Absolute stream offsets just past each blank line, dispatching or not. */
  readonly ends: number[];
}

function parse(chunks: readonly Buffer[]): Seen {
  const seen: Seen = { events: [], ends: [] };
  let base = 0;
  const parser = new SseParser((event, end) => {
    if (event !== null) seen.events.push(event);
    seen.ends.push(base + end);
  });
  for (const chunk of chunks) {
    parser.push(chunk);
    base += chunk.length;
  }
  parser.end();
  return seen;
}

const whole = (text: string | Buffer): Seen => parse([Buffer.from(text)]);

/** Every way of cutting the stream in two, plus one byte at a time. */
function splits(bytes: Buffer): Buffer[][] {
  const ways: Buffer[][] = [];
  for (let i = 0; i <= bytes.length; i++) ways.push([bytes.subarray(0, i), bytes.subarray(i)]);
  ways.push([...bytes].map((b) => Buffer.from([b])));
  return ways;
}

describe('SseParser (WHATWG event stream interpretation)', () => {
  it('dispatches at blank lines with LF, CRLF and CR line endings alike', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const { events } = whole(`event: add${eol}data: 1${eol}${eol}data: 2${eol}${eol}`);
      expect(events).toEqual([
        { type: 'add', data: '1', lastEventId: '' },
        { type: 'message', data: '2', lastEventId: '' },
      ]);
    }
  });

  it('joins data lines with \\n and strips exactly one space after the colon', () => {
    const { events } = whole('data:a\ndata:  b\ndata\ndata: \n\n');
    expect(events).toEqual([{ type: 'message', data: 'a\n b\n\n', lastEventId: '' }]);
  });

  it('ignores comments, unknown fields and retry, and dispatches nothing without data', () => {
    const seen = whole(': keep-alive\n\nfoo: bar\nretry: 300\nevent: x\n\ndata: y\n\n');
    expect(seen.events).toEqual([{ type: 'message', data: 'y', lastEventId: '' }]);
    expect(seen.ends).toHaveLength(3);
  });

  it('keeps the last id across events and ignores an id containing NUL', () => {
    const { events } = whole('id: 7\ndata: a\n\ndata: b\n\nid: bad\0\ndata: c\n\nid\ndata: d\n\n');
    expect(events.map((e) => e.lastEventId)).toEqual(['7', '7', '7', '']);
  });

  it('strips one leading BOM and decodes invalid UTF-8 to U+FFFD', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: x\n\n')]);
    expect(whole(bom).events[0]!.data).toBe('x');
    const invalid = Buffer.concat([Buffer.from('data: a'), Buffer.from([0xff]), Buffer.from('b\n\n')]);
    expect(whole(invalid).events[0]!.data).toBe('a\uFFFDb');
  });

  it('drops an event the stream ends in the middle of, but honours a final CR', () => {
    expect(whole('data: a\n\ndata: b').events.map((e) => e.data)).toEqual(['a']);
    expect(whole('data: a\n\ndata: b\n').events.map((e) => e.data)).toEqual(['a']);
    expect(whole('data: a\r\r').events.map((e) => e.data)).toEqual(['a']);
  });

  it('reports where each event ends, the whole CRLF terminator included', () => {
    const text = 'data: a\r\n\r\n: c\r\n\r\ndata: b\r\n\r\n';
    expect(whole(text).ends).toEqual([11, 18, 29]);
    expect(text.length).toBe(29);
  });

  it('gives the same events and offsets however the bytes are split, inside characters too', () => {
    const text = Buffer.from('\uFEFFevent: größe\r\ndata: 👋 héllo\r\ndata: ☀️\r\n\r\n: ping\r\rid: 1\rdata: x\n\ndata: 末\r\n\r\n');
    const expected = whole(text);
    expect(expected.events).toHaveLength(3);
    expect(expected.events[0]).toEqual({ type: 'größe', data: '👋 héllo\n☀️', lastEventId: '' });
    for (const chunks of splits(text)) expect(parse(chunks)).toEqual(expected);
  });

  it('does not confuse a CR at a chunk end followed by LF with a blank line', () => {
    const seen = parse([Buffer.from('data: a\r'), Buffer.from('\ndata: b\r'), Buffer.from('\n\r'), Buffer.from('\n')]);
    expect(seen.events).toEqual([{ type: 'message', data: 'a\nb', lastEventId: '' }]);
    expect(seen.ends).toEqual([20]);
  });
});
