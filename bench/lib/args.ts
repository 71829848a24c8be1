// Options of `npm run bench` (bench/run.ts). Defaults keep the whole run within ~10 minutes on
// the 2-core reference machine; --quick is a ~2-minute pass with one round of shorter loads.
import { parseArgs } from 'node:util';

export const CASES = ['1', '1b', '2', '3', '4', '5', '6', 'rate', '7', '8'] as const;
export type CaseId = (typeof CASES)[number];

export interface BenchOptions {
  readonly quick: boolean;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly connections: number;
  readonly rate: number;
  readonly sseStreams: number;
  readonly leaves: number;
  readonly tunnels: number;
  readonly cases: readonly CaseId[];
  /** Proxies (floor, gateways) on CPU 1; load client and upstream on CPU 0 (taskset). */
  readonly pin: boolean;
  /** Directory for V8 CPU profiles (`--cpu-prof`) of the floor and gateway processes; null: none. */
  readonly profileDir: string | null;
  /** Extra Node options for the proxy processes (floor, gateways), e.g. `--trace-gc` (split on spaces). */
  readonly proxyNodeArgs: readonly string[];
  /** Another checkout whose gateway runs in the same run as `gateway (base)`: same-run A/B. */
  readonly baseDir: string | null;
  /** Goes into the result file name: `before`, `after`, a branch. */
  readonly label: string;
}

const USAGE = `usage: node bench/run.ts [--quick] [--seconds N] [--rounds N] [--connections N] [--rate N]
       [--tunnels N] [--cases ${CASES.join(',')}] [--pin] [--profile DIR] [--node-args=ARGS] [--base DIR] [--label NAME]`;

export function benchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string', default: '32' },
      rate: { type: 'string', default: '4000' },
      tunnels: { type: 'string' },
      cases: { type: 'string', default: CASES.join(',') },
      pin: { type: 'boolean', default: false },
      profile: { type: 'string' },
      'node-args': { type: 'string', default: '' },
      base: { type: 'string' },
      label: { type: 'string', default: 'run' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const cases = values.cases.split(',').map((c) => c.trim());
  const unknown = cases.filter((c) => !(CASES as readonly string[]).includes(c));
  if (unknown.length > 0) throw new Error(`unknown case(s) ${unknown.join(', ')}\n${USAGE}`);
  return {
    quick,
    seconds: Number(values.seconds ?? (quick ? 2 : 5)),
    warmupSeconds: quick ? 0.5 : 1,
    rounds: Number(values.rounds ?? (quick ? 1 : 3)),
    connections: Number(values.connections),
    rate: Number(values.rate),
    sseStreams: quick ? 15 : 40,
    leaves: quick ? 50 : 200,
    tunnels: Number(values.tunnels ?? (quick ? 2000 : 10_000)),
    cases: cases as CaseId[],
    pin: values.pin,
    profileDir: values.profile ?? null,
    proxyNodeArgs: values['node-args'].split(' ').filter(Boolean),
    baseDir: values.base ?? null,
    label: values.label.replace(/[^A-Za-z0-9._-]/g, '_'),
  };
}
