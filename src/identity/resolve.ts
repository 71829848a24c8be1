// Turns connection credentials into an agent or a refusal (SPEC §2 identity codes, §3).
// Order: a presented certificate must be valid (a bad certificate is never papered over by a
// good token); each credential must map to an agent; two credentials must agree on the agent;
// the agent's `require` list must be satisfied.
import { GatewayError } from '../errors.ts';
import type { CompiledAgent, CompiledPolicy } from '../policy/types.ts';
import type { Identity, PeerCertificateFacts } from './identity.ts';
import { certificateProblem } from './mtls.ts';
import { parseProxyAuthorization } from './token.ts';

export const PROXY_AUTHENTICATE = 'Basic realm="portcullis", Bearer realm="portcullis"';

export function resolveIdentity(
  policy: CompiledPolicy,
  cert: PeerCertificateFacts | null,
  proxyAuthorization: string | undefined,
): Identity {
  const token = parseProxyAuthorization(proxyAuthorization);
  if (cert === null && token === null) {
    throw new GatewayError('identity_required',
      'a client certificate or Proxy-Authorization credentials are required',
      { headers: { 'proxy-authenticate': PROXY_AUTHENTICATE } });
  }
  if (typeof token === 'string') throw new GatewayError('identity_invalid', token);

  let certAgent: CompiledAgent | null = null;
  let spiffe: string | null = null;
  if (cert !== null) {
    if (!cert.authorized) throw new GatewayError('identity_invalid', certificateProblem(cert.error));
    for (const id of cert.spiffeIds) {
      const agent = policy.bySpiffe.get(id);
      if (agent !== undefined) {
        certAgent = agent;
        spiffe = id;
        break;
      }
    }
    if (certAgent === null && cert.cn !== null) certAgent = policy.byCn.get(cert.cn) ?? null;
    if (certAgent === null) {
      const named = cert.spiffeIds[0] ?? (cert.cn === null ? 'no SPIFFE ID or CN' : `CN '${cert.cn}'`);
      throw new GatewayError('unknown_agent', `client certificate (${named}) maps to no configured agent`);
    }
  }

  let tokenAgent: CompiledAgent | null = null;
  if (token !== null) {
    tokenAgent = policy.byTokenSha256.get(token.sha256) ?? null;
    if (tokenAgent === null || (token.claimedAgent !== null && token.claimedAgent !== tokenAgent.id)) {
      throw new GatewayError('identity_invalid', 'proxy token is wrong');
    }
  }

  if (certAgent !== null && tokenAgent !== null && certAgent !== tokenAgent) {
    throw new GatewayError('identity_invalid',
      `client certificate identifies agent '${certAgent.id}' but the token belongs to another agent`);
  }
  const agent = (certAgent ?? tokenAgent) as CompiledAgent;
  const required = agent.match.require;
  if (required.has('mtls') && certAgent === null) {
    throw new GatewayError('identity_invalid', `agent '${agent.id}' requires a client certificate`);
  }
  if (required.has('token') && tokenAgent === null) {
    throw new GatewayError('identity_invalid', `agent '${agent.id}' requires a proxy token`);
  }
  return {
    agent,
    method: certAgent !== null && tokenAgent !== null ? 'mtls+token' : certAgent !== null ? 'mtls' : 'token',
    spiffe: spiffe ?? cert?.spiffeIds[0] ?? null,
    cn: cert?.cn ?? null,
    fingerprint: cert?.fingerprint ?? null,
  };
}
