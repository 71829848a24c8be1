// `npm run bench` (issue 7): every case direct, through the bare Node floor and through the
// gateway, in one run; one table on stdout and the same as JSON in bench/results/.
// Upstream, floor, gateway(s), Redis and the load client each run in their own process.
//   node bench/run.ts [--quick] [--cases 1,3] [--pin] [--profile DIR] [--base DIR] [--label NAME] (--help)
// --base DIR runs the gateway of another checkout (e.g. `git archive` of a commit, with its
// node_modules) beside this one, as `gateway (base)`: before/after in one run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASE_NAMES, RUN_CASE } from './cases.ts';
import { benchOptions } from './lib/args.ts';
import type { Row } from './lib/measure.ts';
import { startStack } from './lib/stack.ts';
import { formatTable } from './lib/table.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const options = benchOptions(process.argv.slice(2));
const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
// The commit measured; `-dirty` when the working tree differs from it (read-only git calls).
const commit = ((): string => {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src', 'bench', 'package.json') === '' ? '' : '-dirty'}`;
  } catch {
    return 'unknown';
  }
})();

const started = Date.now();
const loadBefore = loadAverage();
console.error(`bench: node ${process.version}, ${availableParallelism()} CPUs, load average ${loadBefore}, ` +
  `${options.quick ? 'quick' : 'full'} run, ${options.rounds} round(s) of ${options.seconds} s, ${options.pin ? 'pinned (proxies on CPU 1)' : 'not pinned'}`);
const stack = await startStack({
  pin: options.pin, withRedis: options.cases.includes('2'), profileDir: options.profileDir, proxyNodeArgs: options.proxyNodeArgs,
  baseDir: options.baseDir,
});
const rows: Row[] = [];
let failure: unknown = null;
const stop = (): void => { void stack.stop().finally(() => process.exit(130)); };
process.once('SIGINT', stop);
try {
  for (const id of options.cases) {
    const t = Date.now();
    console.error(`bench: case ${CASE_NAMES[id]}…`);
    rows.push(...await RUN_CASE[id](stack, options));
    console.error(`bench:   ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
} catch (err) {
  failure = err;
} finally {
  await stack.stop();
}

const table = formatTable(rows);
console.log(table);
const loadAfter = loadAverage();
console.log(`load average ${loadBefore} before, ${loadAfter} after; ${((Date.now() - started) / 1000).toFixed(0)} s; logs in ${stack.logDir}`);
const result = {
  label: options.label, commit, date: new Date(started).toISOString(), node: process.version, cpus: availableParallelism(),
  loadAverage: { before: loadBefore, after: loadAfter }, options, rows,
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
const file = join(root, 'bench/results', `${options.label}-${commit}-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`written ${file}`);
if (failure !== null) {
  console.error(failure);
  process.exitCode = 1;
}
