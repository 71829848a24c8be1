// The proxy listener's TLS material, read from the configured files: at start, and again on
// every reload so a rotated certificate, client CA or CRL takes effect without a restart.
import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import type { CompiledConfig } from '../config/compiled.ts';

export type ProxyTls = NonNullable<CompiledConfig['listen']['proxy']['tls']>;

export function proxyTlsOptions(tls: ProxyTls): SecureContextOptions {
  return {
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ca: readFileSync(tls.clientCa),
    ...(tls.crl === null ? {} : { crl: readFileSync(tls.crl) }),
  };
}
