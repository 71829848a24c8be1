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

function keyOf(labels: Labels): string {
  let key = '';
  for (const name in labels) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

/** One label set → one cell, made on first use; the registry reads every cell at scrape time. */
abstract class HotMetric<Cell extends { readonly labels: Labels }> {
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #cells = new Map<string, Cell>();

  constructor(name: string, help: string, registry: Registry) {
    this.name = name;
    this.help = help;
    registry.registerMetric(this as never);
  }

  cell(labels: Labels = {}): Cell {
    const key = keyOf(labels);
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      cell = this.create({ ...labels });
      this.#cells.set(key, cell);
    }
    return cell;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: MetricValue[] }> {
    const values: MetricValue[] = [];
    for (const cell of this.#cells.values()) this.values(cell, values);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#cells.clear();
  }

  protected abstract create(labels: Labels): Cell;
  protected abstract values(cell: Cell, out: MetricValue[]): void;
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

export class HotCounter extends HotMetric<CounterCell> {
  readonly type = 'counter';

  protected create(labels: Labels): CounterCell {
    return new CounterCell(labels);
  }

  protected values(cell: CounterCell, out: MetricValue[]): void {
    out.push({ value: cell.value, labels: cell.labels });
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

export class HotHistogram extends HotMetric<HistogramCell> {
  readonly type = 'histogram';
  readonly #bounds: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[], registry: Registry) {
    super(name, help, registry);
    this.#bounds = [...buckets].sort((a, b) => a - b);
  }

  protected create(labels: Labels): HistogramCell {
    return new HistogramCell(labels, this.#bounds);
  }

  protected values(cell: HistogramCell, out: MetricValue[]): void {
    const bucket = `${this.name}_bucket`;
    let cumulative = 0;
    for (const [i, bound] of this.#bounds.entries()) {
      cumulative += cell.counts[i] as number;
      out.push({ value: cumulative, labels: { le: bound, ...cell.labels }, metricName: bucket });
    }
    out.push({ value: cell.count, labels: { le: '+Inf', ...cell.labels }, metricName: bucket });
    out.push({ value: cell.sum, labels: cell.labels, metricName: `${this.name}_sum` });
    out.push({ value: cell.count, labels: cell.labels, metricName: `${this.name}_count` });
  }
}
