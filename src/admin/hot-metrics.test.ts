import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram } from './hot-metrics.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];

/** The same observations through prom-client and through the hot metrics: the scrape text must not differ. */
describe('hot metrics', () => {
  it('print exactly what prom-client prints for the same counts and observations', async () => {
    const reference = new Registry();
    const counter = new Counter({ name: 'x_total', help: 'Things.', labelNames: ['agent', 'code'], registers: [reference] });
    const histogram = new Histogram({ name: 'x_seconds', help: 'Time.', labelNames: ['agent'], buckets: BUCKETS, registers: [reference] });
    const plain = new Histogram({ name: 'y_seconds', help: 'Plain.', buckets: BUCKETS, registers: [reference] });

    const hot = new Registry();
    const hotCounter = new HotCounter('x_total', 'Things.', hot);
    const hotHistogram = new HotHistogram('x_seconds', 'Time.', BUCKETS, hot);
    const hotPlain = new HotHistogram('y_seconds', 'Plain.', BUCKETS, hot).cell();

    const observations: [string, string, number][] = [
      ['a', 'ok', 0.0005], ['a', 'ok', 0.001], ['b', 'denied_by_rule', 0.05], ['a', 'ok', 2], ['b', 'ok', 0.1], ['a', 'ok', 0.0101],
    ];
    for (const [agent, code, seconds] of observations) {
      counter.inc({ agent, code });
      hotCounter.cell({ agent, code }).inc();
      histogram.observe({ agent }, seconds);
      hotHistogram.cell({ agent }).observe(seconds);
      plain.observe(seconds);
      hotPlain.observe(seconds);
    }
    counter.inc({ agent: 'a', code: 'ok' }, 5);
    hotCounter.cell({ agent: 'a', code: 'ok' }).inc(5);

    expect(await hot.metrics()).toBe(await reference.metrics());
    expect(await hot.metrics()).toContain('x_seconds_bucket{le="0.01",agent="a"} 2');
  });
});
