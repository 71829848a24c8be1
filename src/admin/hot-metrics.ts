// Counters and histograms for the per-request path. prom-client hashes the label object on
// every inc() and observe(), children included (`labels(…).inc()` hashes again): a few µs per
// request, 3 % of the gateway's CPU in bench/ case 1. Here a label set is resolved once into a
// cell, and recording is arithmetic on it; the Prometheus text is built only at scrape time.
// Registered in the same Registry as every other metric, in the shape prom-client reads there.
import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

interface MetricValue {
  readonly value: number;
  readonly labels: Labels | Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

interface HotMetric<Cell> {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  cell(labels: Labels): Cell;
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: MetricValue[] }>;
  reset(): void;
}

function keyOf(labels: Labels): string {
  let key = '';
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

export class CounterCell {
  value = 0;
  readonly labels: Labels;
  constructor(labels: Labels) {
    this.labels = labels;
  }

  inc(by = 1): void {
    this.value += by;
  }
}

export class HotCounter implements HotMetric<CounterCell> {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #cells = new Map<string, CounterCell>();

  constructor(name: string, help: string, registry: Registry) {
    this.name = name;
    this.help = help;
    registry.registerMetric(this as never);
  }

  cell(labels: Labels = {}): CounterCell {
    const key = keyOf(labels);
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      cell = new CounterCell({ ...labels });
      this.#cells.set(key, cell);
    }
    return cell;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: MetricValue[] }> {
    const values = [...this.#cells.values()].map((cell) => ({ value: cell.value, labels: cell.labels }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#cells.clear();
  }
}

export class HistogramCell {
  count = 0;
  sum = 0;
  readonly labels: Labels;
  /** Per bucket, not cumulative: observations ≤ bounds[i] and > bounds[i - 1]; the last is +Inf. */
  readonly counts: Float64Array;
  readonly #bounds: readonly number[];

  constructor(labels: Labels, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += value;
  }
}

export class HotHistogram implements HotMetric<HistogramCell> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #bounds: readonly number[];
  readonly #cells = new Map<string, HistogramCell>();

  constructor(name: string, help: string, buckets: readonly number[], registry: Registry) {
    this.name = name;
    this.help = help;
    this.#bounds = [...buckets].sort((a, b) => a - b);
    registry.registerMetric(this as never);
  }

  cell(labels: Labels = {}): HistogramCell {
    const key = keyOf(labels);
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      cell = new HistogramCell({ ...labels }, this.#bounds);
      this.#cells.set(key, cell);
    }
    return cell;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: MetricValue[] }> {
    const values: MetricValue[] = [];
    for (const cell of this.#cells.values()) {
      let cumulative = 0;
      for (const [i, bound] of this.#bounds.entries()) {
        cumulative += cell.counts[i] as number;
        values.push({ value: cumulative, labels: { le: bound, ...cell.labels }, metricName: `${this.name}_bucket` });
      }
      values.push({ value: cell.count, labels: { le: '+Inf', ...cell.labels }, metricName: `${this.name}_bucket` });
      values.push({ value: cell.sum, labels: cell.labels, metricName: `${this.name}_sum` });
      values.push({ value: cell.count, labels: cell.labels, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#cells.clear();
  }
}
