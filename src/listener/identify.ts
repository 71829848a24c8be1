// Identity of the connection a request came on (SPEC §3): client-certificate facts are read
// once per proxy connection; the Proxy-Authorization header is read from each request, since
// a keep-alive connection of absolute-URI requests may carry it on every one.
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { Identity } from '../identity/identity.ts';
import { peerCertificateFacts } from '../identity/mtls.ts';
import { resolveIdentity } from '../identity/resolve.ts';
import type { Runtime } from '../runtime.ts';
import { peerFacts } from './connection-context.ts';

export function settleIdentity(rt: Runtime, req: IncomingMessage): Identity {
  const socket = req.socket;
  let facts = peerFacts.get(socket);
  if (facts === undefined) {
    facts = socket instanceof TLSSocket ? peerCertificateFacts(socket) : null;
    peerFacts.set(socket, facts);
  }
  const auth = req.headers['proxy-authorization'];
  return resolveIdentity(rt.config.policy, facts, auth);
}
