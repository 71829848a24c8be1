// A certificate revocation list (RFC 5280 §5), signed by the CA that issued the certificates it
// lists. `listen.proxy.tls.crl` takes its PEM; Node hands it to OpenSSL, which then fails a
// listed client certificate with CERT_REVOKED.
import { context, integer, sequence, time } from './der.ts';
import { authorityKeyIdentifier, crlNumber } from './extensions.ts';
import { signStructure } from './keys.ts';
import { toPem } from './pem.ts';
import type { CertificateAuthority } from './authority.ts';

export interface Revocation {
  /** Serial number as hex (as `X509Certificate.serialNumber` gives it). */
  readonly serial: string;
  readonly revokedAt: Date;
}

export interface CrlOptions {
  readonly revoked: readonly Revocation[];
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  /** Monotonic CRL number (RFC 5280 §5.2.3). */
  readonly number: number;
}

/** PEM `X509 CRL`. */
export async function createCrl(ca: CertificateAuthority, options: CrlOptions): Promise<string> {
  const entries = options.revoked.map((entry) =>
    sequence(integer(Buffer.from(entry.serial.length % 2 ? `0${entry.serial}` : entry.serial, 'hex')), time(entry.revokedAt)));
  const tbs = sequence(
    integer(1), // version v2: required once crlExtensions are present
    ca.signer.algorithm,
    ca.subject,
    time(options.thisUpdate),
    time(options.nextUpdate),
    // An empty revokedCertificates must be omitted, not written as an empty SEQUENCE (§5.1.2.6).
    ...(entries.length > 0 ? [sequence(...entries)] : []),
    context(0, true, sequence(
      ...(ca.keyId ? [authorityKeyIdentifier(ca.keyId)] : []),
      crlNumber(options.number),
    )),
  );
  return toPem('X509 CRL', await signStructure(tbs, ca.signer));
}
