// SSE streams one at a time: time to the first body chunk and to the end of the stream.
import { request } from 'undici';
import type { ClientInit, SseFigures, SseLoad } from '../lib/messages.ts';
import { SSE_CHUNKS } from '../lib/shape.ts';
import { percentile, sortedCopy } from '../lib/stats.ts';
import { dispatcherFor, urlOf } from './dispatchers.ts';

export async function sseStreams(init: ClientInit, load: SseLoad): Promise<SseFigures> {
  const dispatcher = dispatcherFor(init, load.target, 1);
  const url = urlOf(load.target);
  const first: number[] = [];
  const last: number[] = [];
  let errors = 0;
  for (let i = 0; i < load.streams; i++) {
    const t = performance.now();
    let firstAt = Number.NaN;
    let events = 0;
    try {
      const res = await request(url, { dispatcher });
      for await (const chunk of res.body) {
        if (Number.isNaN(firstAt)) firstAt = performance.now();
        events += (chunk as Buffer).toString('latin1').split('data: ').length - 1;
      }
      if (res.statusCode !== 200 || events !== SSE_CHUNKS) throw new Error(`status ${res.statusCode}, ${events} events`);
      first.push(firstAt - t);
      last.push(performance.now() - t);
    } catch {
      errors++;
    }
  }
  const f = sortedCopy(first);
  const l = sortedCopy(last);
  return {
    streams: first.length, errors,
    firstP50: percentile(f, 0.5), firstP99: percentile(f, 0.99), lastP50: percentile(l, 0.5), lastP99: percentile(l, 0.99),
  };
}
