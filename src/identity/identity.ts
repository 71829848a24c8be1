// Who is asking (SPEC §3). Identity is settled once per connection (at CONNECT or the first
// request) from the client certificate and/or the Proxy-Authorization header, and carried by
// every request on that connection.
import type { CompiledAgent } from '../policy/types.ts';

export interface Identity {
  readonly agent: CompiledAgent;
  readonly method: 'mtls' | 'token' | 'mtls+token';
  readonly spiffe: string | null;
  readonly cn: string | null;
  /** `sha256:` fingerprint of the client certificate, when one was presented. */
  readonly fingerprint: string | null;
}

/** What the TLS layer established about the client certificate, before any agent lookup. */
export interface PeerCertificateFacts {
  /** Verified against client_ca, validity and CRL by the TLS stack. */
  readonly authorized: boolean;
  /** OpenSSL's reason when not authorized (CERT_HAS_EXPIRED, CERT_REVOKED, …). */
  readonly error: string | null;
  readonly spiffeIds: readonly string[];
  readonly cn: string | null;
  readonly fingerprint: string;
}

/** The identity fields of the audit record (SPEC §6), null-filled when unknown. */
export function auditIdentity(identity: Identity | null): Record<string, string | null> | null {
  if (identity === null) return null;
  return {
    method: identity.method,
    spiffe: identity.spiffe,
    cn: identity.cn,
    fingerprint: identity.fingerprint,
  };
}
