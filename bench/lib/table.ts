// The one table `npm run bench` prints: a row per case and route, blanks where a figure does
// not apply (direct runs have no proxy process; SSE and leaf rows put their own figures in p50/p99).
import type { Row } from './measure.ts';

const COLUMNS: readonly [title: string, cell: (r: Row) => string][] = [
  ['case', (r) => r.case],
  ['via', (r) => r.via],
  ['req/s', (r) => num(r.rps, 0)],
  ['p50 ms', (r) => num(r.p50, 2)],
  ['p99 ms', (r) => num(r.p99, 2)],
  ['CPU ms/1k req', (r) => num(r.cpuMsPer1k, 0)],
  ['peak RSS MB', (r) => num(r.peakRssMb, 0)],
  ['×direct', (r) => num(r.ratio, 2)],
  ['note', (r) => r.note],
];

function num(value: number | null, digits: number): string {
  return value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

export function formatTable(rows: readonly Row[]): string {
  const cells = rows.map((r) => COLUMNS.map(([, cell]) => cell(r)));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: readonly string[]): string =>
    values.map((v, i) => (i >= 2 && i < COLUMNS.length - 1 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  let previous = '';
  const body = cells.map((c, i) => {
    // The case name once per group of rows.
    const shown = rows[i]!.case === previous ? ['', ...c.slice(1)] : c;
    previous = rows[i]!.case;
    return line(shown);
  });
  return [line(COLUMNS.map(([title]) => title)), line(widths.map((w) => '-'.repeat(w))), ...body].join('\n');
}
