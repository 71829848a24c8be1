// The built-in deny list (SPEC §4 `network.deny_cidrs: default`): every range an agent must not
// reach through the gateway — this host, private networks, cloud metadata, and any IPv6 form
// that carries an IPv4 address inside it. Sources: the IANA special-purpose registries
// (RFC 6890) and the RFC named on each line.
//
// Decisions:
// - Documentation (RFC 5737, 3849, 9637) and benchmarking (RFC 2544, 5180) ranges are denied:
//   no real service lives there, and a name resolving into them is a mistake or a trick.
// - IPv6 forms carrying an IPv4 (mapped, compatible, translated, NAT64, 6to4, Teredo) are
//   denied as whole prefixes. The guard also checks the IPv4 inside (see embedded.ts), so an
//   `allow_cidrs` exception written for an IPv4 address covers its IPv6 forms too, and an
//   operator on an IPv6-only network who allows 64:ff9b::/96 still cannot reach 10.0.0.0/8
//   through NAT64.
// - IPv6 outside global unicast 2000::/3 is denied as a whole (see the last lines).
// - The gateway's own listening addresses are added at start-up (DestinationGuard.addSelf),
//   since only the running gateway knows them.
import type { LabelledCidr } from './address-set.ts';
import { parseCidr } from './cidr.ts';

const RANGES: readonly (readonly [cidr: string, label: string])[] = [
  // IPv4
  ['0.0.0.0/8', '"this network"; 0.0.0.0 reaches this host'], // RFC 791, RFC 1122 §3.2.1.3
  ['10.0.0.0/8', 'private'], // RFC 1918
  ['100.64.0.0/10', 'carrier-grade NAT'], // RFC 6598
  ['127.0.0.0/8', 'loopback'], // RFC 1122 §3.2.1.3
  ['169.254.0.0/16', 'link-local, cloud metadata'], // RFC 3927; 169.254.169.254 on AWS, GCP, Azure
  ['172.16.0.0/12', 'private'], // RFC 1918
  ['192.0.0.0/24', 'IETF protocol assignments, cloud metadata'], // RFC 6890 §2.2.2; 192.0.0.192 on Oracle Cloud
  ['192.0.2.0/24', 'documentation'], // RFC 5737 TEST-NET-1
  ['192.88.99.0/24', '6to4 relay anycast'], // RFC 7526
  ['192.168.0.0/16', 'private'], // RFC 1918
  ['198.18.0.0/15', 'benchmarking'], // RFC 2544
  ['198.51.100.0/24', 'documentation'], // RFC 5737 TEST-NET-2
  ['203.0.113.0/24', 'documentation'], // RFC 5737 TEST-NET-3
  ['224.0.0.0/4', 'multicast'], // RFC 5771
  ['240.0.0.0/4', 'reserved'], // RFC 1112 §4
  ['255.255.255.255/32', 'limited broadcast'], // RFC 919 §7, RFC 8190
  // IPv6
  ['::/128', 'unspecified'], // RFC 4291 §2.5.2
  ['::1/128', 'loopback'], // RFC 4291 §2.5.3
  ['::/96', 'IPv4-compatible IPv6'], // RFC 4291 §2.5.5.1 (deprecated)
  ['::ffff:0:0/96', 'IPv4-mapped IPv6'], // RFC 4291 §2.5.5.2
  ['::ffff:0:0:0/96', 'IPv4-translated IPv6'], // RFC 2765 §2.1
  ['64:ff9b::/96', 'NAT64'], // RFC 6052 §2.1
  ['64:ff9b:1::/48', 'local-use NAT64'], // RFC 8215
  ['100::/64', 'discard-only'], // RFC 6666
  ['2001::/32', 'Teredo'], // RFC 4380
  ['2001:2::/48', 'benchmarking'], // RFC 5180
  ['2001:db8::/32', 'documentation'], // RFC 3849
  ['2002::/16', '6to4'], // RFC 3056
  ['3fff::/20', 'documentation'], // RFC 9637
  ['fc00::/7', 'unique local, cloud metadata'], // RFC 4193; fd00:ec2::254 on AWS
  ['fe80::/10', 'link-local'], // RFC 4291 §2.5.6
  ['fec0::/10', 'site-local'], // RFC 3879 (deprecated, still routable inside sites)
  ['ff00::/8', 'multicast'], // RFC 4291 §2.7
  // Only 2000::/3 is allocated for global unicast (RFC 4291 §2.4, IANA IPv6 address space);
  // nothing an agent should reach lives outside it. The ranges above inside these three give
  // the more specific reason.
  ['::/3', 'not global unicast'],
  ['4000::/2', 'not global unicast'],
  ['8000::/1', 'not global unicast'],
];

export const DEFAULT_DENY: readonly LabelledCidr[] = RANGES.map(([text, label]) => {
  const cidr = parseCidr(text);
  if (typeof cidr === 'string') throw new Error(`default deny list: ${cidr}`);
  return { cidr, label };
});
