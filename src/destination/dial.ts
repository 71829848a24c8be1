// How the forwarder dials what the resolver checked. Pass these as `net`/`tls` connect options
// (or undici `connect` options, with an origin built from the same IP):
// - `host` is the checked IP literal. Node does no DNS for a literal, so neither a second
//   lookup (rebinding) nor happy-eyeballs (`autoSelectFamily`, which tries the other addresses
//   of a NAME) can reach an address the guard never saw. Never add a `lookup` option beside it.
// - `servername` is the name the agent asked for: it goes out as SNI, and Node verifies the
//   upstream certificate against `servername` when set. It is left out for an IP-literal
//   target, because RFC 6066 §3 forbids IP addresses in SNI; the certificate is then checked
//   against the IP itself.
import { isIP } from 'node:net';

export interface PinnedDial {
  readonly host: string;
  readonly servername: string | undefined;
}

export function dialOptions(resolved: { readonly address: string }, host: string): PinnedDial {
  return { host: resolved.address, servername: isIP(host) === 0 ? host : undefined };
}
