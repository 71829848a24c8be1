// A per-run PKI for data-path tests: every certificate minted fresh (STYLE §12, like undici's
// proxy tests and Smokescreen's testdata/pki), written to a temporary directory so that config
// YAML can name the files.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueWithNewKey, type CertificateAuthority } from '../../src/pki/authority.ts';
import { createCrl } from '../../src/pki/crl.ts';
import type { AltName } from '../../src/pki/extensions.ts';
import { writePemFiles } from '../../src/pki/files.ts';
import type { KeyType } from '../../src/pki/keys.ts';

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
  /** Key type of every CA and certificate; default EC P-256. */
  readonly keyType?: KeyType;
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
  const keyType = opts.keyType ?? 'ec';
  const agents = opts.agents ?? DEFAULT_TEST_AGENTS;
  const [first] = agents;
  if (!first) throw new Error('makeTestPki needs at least one agent');
  const now = Date.now();
  const valid = { notBefore: new Date(now - HOUR_MS), notAfter: new Date(now + 30 * DAY_MS) };

  const ca = (commonName: string) => createAuthority({ name: { organization: 'Portcullis tests', commonName }, keyType, ...valid });
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
  const client = (signer: CertificateAuthority, spec: TestAgentSpec, validity: { notBefore: Date; notAfter: Date }) =>
    issueWithNewKey(signer, {
      name: { commonName: spec.name },
      altNames: spec.spiffe ? [{ uri: spec.spiffe }] : [],
      purpose: 'client',
      keyType,
      ...validity,
    });
  const server = (signer: CertificateAuthority, hosts: readonly string[]) =>
    issueWithNewKey(signer, { name: { commonName: hosts[0] ?? 'localhost' }, altNames: hosts.map(altName), purpose: 'server', keyType, ...valid });

  let extra = 0;
  const issueAgent: TestPki['issueAgent'] = async (spec) =>
    save(`agents/${spec.name}-${++extra}`, await client(agentCa.authority, spec, {
      notBefore: spec.notBefore ?? valid.notBefore,
      notAfter: spec.notAfter ?? valid.notAfter,
    }));
  const issueUpstream: TestPki['issueUpstream'] = async (hosts) => save(`upstream-${++extra}`, await server(upstreamCa.authority, hosts));

  const agentPairs: Record<string, PemPair> = {};
  for (const spec of agents) agentPairs[spec.name] = await save(`agents/${spec.name}`, await client(agentCa.authority, spec, valid));
  const revoked = await save('agents/revoked', await client(agentCa.authority, first, valid));
  const crlPem = await createCrl(agentCa.authority, {
    revoked: [{ serial: revoked.serial, revokedAt: new Date(now - 60_000) }],
    thisUpdate: new Date(now - HOUR_MS),
    nextUpdate: new Date(now + 30 * DAY_MS),
    number: 1,
  });
  const crlFile = join(dir, 'agent-ca.crl');
  await writePemFiles([{ path: crlFile, content: crlPem, secret: false }], true);

  return {
    dir,
    interceptionCa: await save('mitm-ca', { certPem: mitm.authority.certPem, keyPem: mitm.keyPem }),
    agentCa: await save('agent-ca', { certPem: agentCa.authority.certPem, keyPem: agentCa.keyPem }),
    proxy: await save('proxy', await server(mitm.authority, ['localhost', '127.0.0.1', '::1'])),
    agents: agentPairs,
    expired: await save('agents/expired', await client(agentCa.authority, first, {
      notBefore: new Date(now - 2 * DAY_MS), notAfter: new Date(now - DAY_MS),
    })),
    notYetValid: await save('agents/not-yet-valid', await client(agentCa.authority, first, {
      notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 2 * DAY_MS),
    })),
    untrusted: await save('agents/untrusted', await client(rogue.authority, first, valid)),
    revoked,
    crl: { pem: crlPem, file: crlFile },
    upstreamCa: await save('upstream-ca', { certPem: upstreamCa.authority.certPem, keyPem: upstreamCa.keyPem }),
    upstream: await save('upstream', await server(upstreamCa.authority, opts.upstreamHosts ?? DEFAULT_UPSTREAM_HOSTS)),
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
