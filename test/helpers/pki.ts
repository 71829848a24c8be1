// A per-run PKI for data-path tests: every certificate minted fresh (STYLE §12, like undici's
// proxy tests and Smokescreen's testdata/pki), written to a temporary directory so that config
// YAML can name the files. Certificates are node-forge's (RSA-2048, as the dev PKI's); the CRL
// is signed natively, as src/pki/crl.ts does it. `opensslAuthority` makes the EC (and other)
// CAs an operator would bring, with the openssl CLI, independent of this repository's encoders.
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { authorityFromPem } from '../../src/pki/authority.ts';
import { createCrl } from '../../src/pki/crl.ts';
import { writePemFiles } from '../../src/pki/files.ts';
import { createRootAuthority, issueWithNewKey, type ForgeAuthority } from '../../src/pki/forge-issuer.ts';
import type { AltName, ValidityPeriod } from '../../src/pki/names.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface PemPair {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Hex, as `X509Certificate.serialNumber` and the TLS peer certificate give it. */
  readonly serial: string;
}

export interface TestAgentSpec {
  /** Subject CN, and the file name under `agents/`. */
  readonly name: string;
  /** URI SAN; omit for a CN-only agent. */
  readonly spiffe?: string;
}

export interface TestPkiOptions {
  /** Default: a fresh directory under the OS temp dir, removed by `cleanup()`. */
  readonly dir?: string;
  /** SANs of the upstream server certificate. */
  readonly upstreamHosts?: readonly string[];
  /** Agent client certificates; the first one's identity is reused by the problem certificates. */
  readonly agents?: readonly TestAgentSpec[];
}

export const DEFAULT_TEST_AGENTS: readonly TestAgentSpec[] = [
  { name: 'finance-auditor', spiffe: 'spiffe://acme.internal/agent/finance-auditor' },
  { name: 'cn-only-agent' },
];

export const DEFAULT_UPSTREAM_HOSTS: readonly string[] = ['api.openai.test', 'api.anthropic.test', 'localhost', '127.0.0.1', '::1'];

export interface TestPki {
  readonly dir: string;
  /** `interception.ca_cert` / `ca_key`; agents trust it (it also signs `proxy`). */
  readonly interceptionCa: PemPair;
  /** `listen.proxy.tls.client_ca`. */
  readonly agentCa: PemPair;
  /** Proxy server certificate: localhost, 127.0.0.1, ::1; signed by the interception CA. */
  readonly proxy: PemPair;
  /** Valid client certificates by agent name. */
  readonly agents: Readonly<Record<string, PemPair>>;
  /** Client certificates with the first agent's identity that must be refused. */
  readonly expired: PemPair;
  readonly notYetValid: PemPair;
  /** Signed by a CA the proxy does not trust. */
  readonly untrusted: PemPair;
  /** Listed in `crl`. */
  readonly revoked: PemPair;
  /** `listen.proxy.tls.crl`: signed by the agent CA, lists `revoked`. */
  readonly crl: { readonly pem: string; readonly file: string };
  /** `interception.upstream_ca`: signs `upstream`. */
  readonly upstreamCa: PemPair;
  readonly upstream: PemPair;
  /** Another client certificate from the agent CA, e.g. with a custom validity. */
  issueAgent(spec: TestAgentSpec & { readonly notBefore?: Date; readonly notAfter?: Date }): Promise<PemPair>;
  /** Another upstream server certificate from the upstream CA. */
  issueUpstream(hosts: readonly string[]): Promise<PemPair>;
  /** Removes the directory when this helper created it. */
  cleanup(): Promise<void>;
}

export async function makeTestPki(options: TestPkiOptions | string = {}): Promise<TestPki> {
  const opts = typeof options === 'string' ? { dir: options } : options;
  const dir = opts.dir ?? await mkdtemp(join(tmpdir(), 'portcullis-pki-'));
  const agents = opts.agents ?? DEFAULT_TEST_AGENTS;
  const [first] = agents;
  if (!first) throw new Error('makeTestPki needs at least one agent');
  const now = Date.now();
  const valid = { notBefore: new Date(now - HOUR_MS), notAfter: new Date(now + 30 * DAY_MS) };

  const ca = (commonName: string) => createRootAuthority({ name: { organization: 'Portcullis tests', commonName }, ...valid });
  const [mitm, agentCa, rogue, upstreamCa] = await Promise.all([
    ca('Test Interception CA'), ca('Test Agent CA'), ca('Untrusted Test CA'), ca('Test Upstream CA'),
  ]);

  const save = async (base: string, pem: { certPem: string; keyPem: string }): Promise<PemPair> => {
    const pair = { cert: pem.certPem, key: pem.keyPem, certFile: join(dir, `${base}.crt`), keyFile: join(dir, `${base}.key`) };
    await writePemFiles([
      { path: pair.certFile, content: pair.cert, secret: false },
      { path: pair.keyFile, content: pair.key, secret: true },
    ], true);
    return { ...pair, serial: new X509Certificate(pair.cert).serialNumber };
  };
  const client = async (base: string, signer: ForgeAuthority, spec: TestAgentSpec, validity: ValidityPeriod) =>
    save(base, await issueWithNewKey(signer, {
      name: { commonName: spec.name },
      altNames: spec.spiffe ? [{ uri: spec.spiffe }] : [],
      purpose: 'client',
      ...validity,
    }));
  const server = async (base: string, signer: ForgeAuthority, hosts: readonly string[]) =>
    save(base, await issueWithNewKey(signer, { name: { commonName: hosts[0] ?? 'localhost' }, altNames: hosts.map(altName), purpose: 'server', ...valid }));

  let extra = 0;
  const issueAgent: TestPki['issueAgent'] = (spec) => client(`agents/${spec.name}-${++extra}`, agentCa, spec, {
    notBefore: spec.notBefore ?? valid.notBefore,
    notAfter: spec.notAfter ?? valid.notAfter,
  });
  const issueUpstream: TestPki['issueUpstream'] = (hosts) => server(`upstream-${++extra}`, upstreamCa, hosts);

  // Key generation runs on the thread pool: issue everything at once.
  const [agentList, proxy, revoked, expired, notYetValid, untrusted, upstream, interceptionCa, agentCaPair, upstreamCaPair] = await Promise.all([
    Promise.all(agents.map((spec) => client(`agents/${spec.name}`, agentCa, spec, valid))),
    server('proxy', mitm, ['localhost', '127.0.0.1', '::1']),
    client('agents/revoked', agentCa, first, valid),
    client('agents/expired', agentCa, first, { notBefore: new Date(now - 2 * DAY_MS), notAfter: new Date(now - DAY_MS) }),
    client('agents/not-yet-valid', agentCa, first, { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 2 * DAY_MS) }),
    client('agents/untrusted', rogue, first, valid),
    server('upstream', upstreamCa, opts.upstreamHosts ?? DEFAULT_UPSTREAM_HOSTS),
    save('mitm-ca', mitm),
    save('agent-ca', agentCa),
    save('upstream-ca', upstreamCa),
  ]);
  const crlPem = await createCrl(authorityFromPem(agentCa.certPem, agentCa.keyPem), {
    revoked: [{ serial: revoked.serial, revokedAt: new Date(now - 60_000) }],
    thisUpdate: new Date(now - HOUR_MS),
    nextUpdate: new Date(now + 30 * DAY_MS),
    number: 1,
  });
  const crlFile = join(dir, 'agent-ca.crl');
  await writePemFiles([{ path: crlFile, content: crlPem, secret: false }], true);

  return {
    dir,
    interceptionCa,
    agentCa: agentCaPair,
    proxy,
    agents: Object.fromEntries(agents.map((spec, i) => [spec.name, agentList[i] as PemPair])),
    expired,
    notYetValid,
    untrusted,
    revoked,
    crl: { pem: crlPem, file: crlFile },
    upstreamCa: upstreamCaPair,
    upstream,
    issueAgent,
    issueUpstream,
    cleanup: async () => {
      if (opts.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

function altName(host: string): AltName {
  return isIPv4(host) || isIPv6(host) ? { ip: host } : { dns: host };
}

export type OpensslKey = 'P-256' | 'P-384' | 'secp256k1' | 'rsa';

export interface OpensslAuthorityOptions {
  readonly commonName: string;
  /** Default P-256. */
  readonly key?: OpensslKey;
  /** From now; default 30. */
  readonly days?: number;
  /** Signs the new CA instead of self-signing it (an intermediate). */
  readonly parent?: { readonly certPem: string; readonly keyPem: string };
}

const run = promisify(execFile);

// `-config` replaces the system openssl.cnf, so the extensions are exactly these.
const OPENSSL_CONFIG = `[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/** A CA certificate and key (PEM) made by the openssl CLI, as an operator would bring one. */
export async function opensslAuthority(options: OpensslAuthorityOptions): Promise<{ certPem: string; keyPem: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-openssl-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args);
  try {
    await writeFile(file('ca.cnf'), OPENSSL_CONFIG);
    const key = options.key ?? 'P-256';
    await openssl('genpkey', ...(key === 'rsa'
      ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
      : ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${key}`]), '-out', file('ca.key'));
    // C is a PrintableString, O and CN UTF8Strings: a subject of mixed string types, as real CAs have.
    const request = ['-config', file('ca.cnf'), '-key', file('ca.key'), '-subj', `/C=US/O=Portcullis tests/CN=${options.commonName}`];
    const days = ['-days', String(options.days ?? 30)];
    if (options.parent) {
      await Promise.all([writeFile(file('parent.crt'), options.parent.certPem), writeFile(file('parent.key'), options.parent.keyPem)]);
      await openssl('req', '-new', ...request, '-out', file('ca.csr'));
      await openssl('x509', '-req', '-in', file('ca.csr'), '-CA', file('parent.crt'), '-CAkey', file('parent.key'),
        '-set_serial', `0x${randomBytes(16).toString('hex')}`, ...days, '-extfile', file('ca.cnf'), '-extensions', 'ca', '-out', file('ca.crt'));
    } else {
      await openssl('req', '-x509', '-new', ...request, '-extensions', 'ca', ...days, '-out', file('ca.crt'));
    }
    const [certPem, keyPem] = await Promise.all([readFile(file('ca.crt'), 'utf8'), readFile(file('ca.key'), 'utf8')]);
    return { certPem, keyPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
