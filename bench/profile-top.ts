// Where a V8 CPU profile (`--cpu-prof`, e.g. from `node bench/run.ts --cases 1 --profile DIR`)
// spends its time: self time by area (our src/, undici, Node's HTTP / TLS / stream internals,
// GC, native) and the top functions. The profile-driven part of issue 7 starts here.
//   node bench/profile-top.ts FILE.cpuprofile [--skip SECONDS] [--top N]
// --skip leaves out the first seconds (start-up: config compile and the GC that follows it).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const AREAS: readonly [name: string, test: (url: string, fn: string) => boolean][] = [
  ['(garbage collector)', (_u, fn) => fn === '(garbage collector)'],
  ['(idle)', (_u, fn) => fn === '(idle)' || fn === '(program)'],
  ['undici', (u) => u.includes('/node_modules/undici/')],
  ['other node_modules', (u) => u.includes('/node_modules/')],
  ['portcullis src/', (u) => u.includes('/src/')],
  ['bench/', (u) => u.includes('/bench/')],
  ['node:_http_* / http parser', (u) => /node:_http_|node:http/.test(u)],
  ['node:_tls_* / tls', (u) => /node:_tls|node:tls/.test(u)],
  ['node:internal/streams', (u) => u.includes('node:internal/streams')],
  ['node:net / stream_base', (u) => /node:net|stream_base_commons/.test(u)],
  ['other node:internal', (u) => u.startsWith('node:')],
  ['native / builtins', () => true],
];

const { values, positionals } = parseArgs({ allowPositionals: true, options: { skip: { type: 'string', default: '0' }, top: { type: 'string', default: '40' } } });
const file = positionals[0];
if (file === undefined) {
  console.error('usage: node bench/profile-top.ts FILE.cpuprofile [--skip SECONDS] [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
const skipUs = Number(values.skip) * 1e6;
let elapsed = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  elapsed += delta;
  if (elapsed >= skipUs) self.set(id, (self.get(id) ?? 0) + delta);
});

const areas = new Map<string, number>();
const functions = new Map<string, number>();
let total = 0;
let busy = 0;
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const area = AREAS.find(([, test]) => test(url, functionName))![0];
  areas.set(area, (areas.get(area) ?? 0) + us);
  total += us;
  if (area !== '(idle)') busy += us;
  const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}`;
  const key = `${functionName || '(anonymous)'}${where}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
}
const pct = (us: number): string => `${((us * 100) / busy).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled after ${values.skip} s, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy)`);
for (const [name, us] of [...areas].sort((a, b) => b[1] - a[1])) if (name !== '(idle)') console.log(`  ${pct(us)}  ${name}`);
console.log('top functions by self time:');
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  if (!name.startsWith('(idle)') && !name.startsWith('(program)')) console.log(`  ${pct(us)}  ${name}`);
}
