// Case 7, in its own process: leaf-certificate cost for a host not yet cached (cold) against a
// cached one, with the interception CA the bench gateway uses. Prints one JSON line.
//   node bench/leaf-cost.ts CA_CERT CA_KEY COUNT
import { readFileSync } from 'node:fs';
import { LeafCache } from '../src/intercept/leaf-cache.ts';
import { authorityFromPem } from '../src/pki/authority.ts';
import { measureLoop } from './lib/loop-figures.ts';

const WARMUP = 20;
const CACHED = 100_000;

const [certFile, keyFile, countArg] = process.argv.slice(2) as [string, string, string];
const count = Number(countArg);
const ca = authorityFromPem(readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8'));
const cache = new LeafCache({ ca, maxEntries: count + WARMUP + 1 });
for (let i = 0; i < WARMUP; i++) await cache.get(`warm${i}.leaf.bench.test`);
const cold = await measureLoop(count, (i) => cache.get(`host${i}.leaf.bench.test`));

const issuedBefore = cache.stats.issued;
const start = performance.now();
for (let i = 0; i < CACHED; i++) await cache.get('host0.leaf.bench.test');
const cachedNs = ((performance.now() - start) * 1e6) / CACHED;
const cachedDidCertificateWork = cache.stats.issued !== issuedBefore;

process.stdout.write(`${JSON.stringify({ cold, cachedNs, cachedDidCertificateWork })}\n`);
