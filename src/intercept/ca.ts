// The interception CA (SPEC §1 "Intercept", config `interception.ca_cert` / `ca_key`): loaded
// once at start-up, checked so that a wrong file fails the start with a message naming it,
// rather than every intercepted handshake failing later with an opaque TLS alert.
import { readFile } from 'node:fs/promises';
import { authorityFromPem, type CertificateAuthority } from '../pki/authority.ts';

export type InterceptionCa = CertificateAuthority;

export class InterceptionCaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InterceptionCaError';
  }
}

/** RSA (≥ 2048 bits) or EC (P-256, P-384, P-521) CA; the cert file may carry intermediates after the CA. */
export async function loadInterceptionCa(
  files: { readonly cert: string; readonly key: string },
  now: () => number = Date.now,
): Promise<InterceptionCa> {
  // Both reads run at once; when both fail, the certificate's error is the one reported, every time.
  const [cert, key] = await Promise.allSettled([readText(files.cert, 'certificate'), readText(files.key, 'key')]);
  if (cert.status === 'rejected') throw cert.reason;
  if (key.status === 'rejected') throw key.reason;
  const certPem = cert.value;
  const keyPem = key.value;
  let ca: InterceptionCa;
  try {
    ca = authorityFromPem(certPem, keyPem);
  } catch (error) {
    throw new InterceptionCaError(`interception CA ${files.cert} / ${files.key}: ${(error as Error).message}`, { cause: error });
  }
  const at = now();
  const { validFromDate, validToDate } = ca.certificate;
  if (at < validFromDate.getTime() || at >= validToDate.getTime()) {
    throw new InterceptionCaError(
      `interception CA ${files.cert} is not valid now (valid ${validFromDate.toISOString()} to ${validToDate.toISOString()})`);
  }
  return ca;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new InterceptionCaError(`cannot read interception CA ${what} ${file}: ${(error as Error).message}`, { cause: error });
  }
}
