// Client-certificate facts from a TLS socket. The HTTPS listener asks for a certificate but
// completes the handshake without one (SPEC §3), so a missing or bad certificate becomes a
// readable 407/403 in HTTP instead of a TLS alert the agent's operator cannot interpret.
import type { TLSSocket } from 'node:tls';
import type { PeerCertificateFacts } from './identity.ts';

type CertificateFields = Pick<PeerCertificateFacts, 'spiffeIds' | 'cn' | 'fingerprint'>;

// getPeerCertificate() renders the whole certificate into an object (three fingerprints, the
// key, every field): a fifth of the gateway's profile when each request opens a new connection
// (bench/ case 3). An agent presents the same certificate on every connection, so what is read from it
// is kept by its DER bytes; getPeerX509Certificate() only wraps them. Bounded: cleared when full.
const MAX_CACHED = 1024;
const byCertificate = new Map<string, CertificateFields>();

function certificateFields(socket: TLSSocket, der: Buffer): CertificateFields | null {
  const key = der.toString('base64');
  let fields = byCertificate.get(key);
  if (fields === undefined) {
    const cert = socket.getPeerCertificate();
    if (cert === null || cert === undefined || Object.keys(cert).length === 0 || !cert.raw) return null;
    fields = {
      spiffeIds: uriSans(cert.subjectaltname),
      cn: firstString(cert.subject?.CN),
      fingerprint: `sha256:${cert.fingerprint256.replaceAll(':', '').toLowerCase()}`,
    };
    if (byCertificate.size >= MAX_CACHED) byCertificate.clear();
    byCertificate.set(key, fields);
  }
  return fields;
}

/** Null when the client presented no certificate. */
export function peerCertificateFacts(socket: TLSSocket): PeerCertificateFacts | null {
  const x509 = socket.getPeerX509Certificate();
  if (x509 === undefined) return null;
  const fields = certificateFields(socket, x509.raw);
  if (fields === null) return null;
  const authError = socket.authorizationError;
  return {
    authorized: socket.authorized,
    error: authError ? String((authError as unknown as { code?: string }).code ?? authError) : null,
    ...fields,
  };
}

function firstString(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

// Node renders SANs as "DNS:a, URI:spiffe://x, IP Address:1.2.3.4"; a URI may itself contain
// a comma only if quoted, which Node does for such values ("URI:\"…\"").
function uriSans(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  const out: string[] = [];
  for (const part of subjectAltName.split(', ')) {
    if (!part.startsWith('URI:')) continue;
    let uri = part.slice(4);
    if (uri.startsWith('"') && uri.endsWith('"')) uri = JSON.parse(uri) as string;
    out.push(uri);
  }
  return out;
}

/** Operator-readable reason for an OpenSSL verification error code (SPEC §2 identity_invalid). */
export function certificateProblem(code: string | null): string {
  switch (code) {
    case 'CERT_HAS_EXPIRED': return 'client certificate has expired';
    case 'CERT_NOT_YET_VALID': return 'client certificate is not yet valid';
    case 'CERT_REVOKED': return 'client certificate is revoked (listed in the CRL)';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return 'client certificate is not signed by a trusted agent CA';
    case 'UNABLE_TO_GET_CRL':
      return 'client certificate could not be checked: no CRL for its issuer';
    default: return `client certificate rejected (${code ?? 'unknown reason'})`;
  }
}
