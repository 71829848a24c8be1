import { describe, expect, it } from 'vitest';
import { captureLog } from '../../../test/audit/capture-log.ts';
import { DropReporter } from './drop-reporter.ts';

describe('DropReporter', () => {
  it('logs the first drop at once, then sums drops into one line per interval', async () => {
    const captured = captureLog();
    const reporter = new DropReporter('http:x', captured.log, 40);
    reporter.add(1);
    reporter.add(2);
    reporter.add(3);
    expect(captured.lines().map((l) => [l['dropped'], l['dropped_total']])).toEqual([[1, 1]]);
    await new Promise((r) => setTimeout(r, 80));
    expect(captured.lines().map((l) => [l['sink'], l['dropped'], l['dropped_total']])).toEqual([
      ['http:x', 1, 1],
      ['http:x', 5, 6],
    ]);
    reporter.flush();
    expect(captured.lines()).toHaveLength(2);
  });
});
