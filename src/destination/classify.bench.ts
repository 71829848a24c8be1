// `npx vitest bench --run src/destination`: the destination check runs once per address per
// request, so it must stay far below the cost of the DNS lookup and TCP dial around it.
import { expect, test } from 'vitest';
import { parseCidr, type Cidr } from './cidr.ts';
import { DestinationGuard } from './classify.ts';

const allowCidrs = ['127.0.0.1/32', '10.20.0.0/16'].map((text) => parseCidr(text) as Cidr);
const guard = new DestinationGuard({ useDefaultDeny: true, denyCidrs: [], allowCidrs });

test('DestinationGuard.check with the default list', async ({ bench }) => {
  const results = await bench.compare(
    bench('public IPv4, allowed', () => guard.check('93.184.215.14', 443)),
    bench('metadata IPv4, denied with reason', () => guard.check('169.254.169.254', 80)),
    bench('public IPv6, allowed', () => guard.check('2606:4700::1111', 443)),
    bench('IPv4-mapped metadata, denied with reason', () => guard.check('::ffff:169.254.169.254', 80)),
  );
  // tinybench reports milliseconds; the brief asks for well under a microsecond or two per IPv4 check.
  expect(results.get('public IPv4, allowed').latency.mean).toBeLessThan(0.001);
});
