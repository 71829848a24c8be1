// The development PKI of `portcullis certs` (SPEC §8) and of `npm start`: everything a local
// gateway and one demo agent need, RSA-2048 throughout, built and signed by node-forge
// (./forge-issuer.ts).
//
// The proxy's server certificate is signed by the interception CA, not by the agent CA: agents
// must trust the interception CA anyway (it signs every intercepted leaf), so one trust anchor,
// `mitm-ca.crt`, covers both the proxy listener and the hosts behind it (curl --proxy-cacert and
// --cacert, NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE). The agent CA stays what the proxy trusts
// for client certificates (`listen.proxy.tls.client_ca`) and nothing else.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existing, writePemFiles, type PemFile } from './files.ts';
import { createRootAuthority, forgeAuthorityFromPem, issueWithNewKey, type ForgeAuthority } from './forge-issuer.ts';
import type { AltName } from './names.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const ORGANIZATION = 'Portcullis development';
export const DEMO_AGENT = 'demo';
export const DEV_TRUST_DOMAIN = 'portcullis.local';
const DEMO_SPIFFE = `spiffe://${DEV_TRUST_DOMAIN}/agent/${DEMO_AGENT}`;

export interface CertKeyFiles {
  readonly cert: string;
  readonly key: string;
}

export interface DevPkiLayout {
  readonly dir: string;
  readonly mitmCa: CertKeyFiles;
  readonly agentCa: CertKeyFiles;
  readonly proxy: CertKeyFiles;
  readonly demoAgent: CertKeyFiles;
}

export function agentFiles(dir: string, name: string): CertKeyFiles {
  return { cert: join(dir, 'agents', `${name}.crt`), key: join(dir, 'agents', `${name}.key`) };
}

export function devPkiLayout(dir: string): DevPkiLayout {
  const pair = (base: string) => ({ cert: join(dir, `${base}.crt`), key: join(dir, `${base}.key`) });
  return { dir, mitmCa: pair('mitm-ca'), agentCa: pair('agent-ca'), proxy: pair('proxy'), demoAgent: agentFiles(dir, DEMO_AGENT) };
}

function layoutFiles(layout: DevPkiLayout): string[] {
  return [layout.mitmCa, layout.agentCa, layout.proxy, layout.demoAgent].flatMap((pair) => [pair.cert, pair.key]);
}

export interface WrittenFile {
  readonly path: string;
  /** What it is, for the CLI's report: `interception CA (…)`. */
  readonly description: string;
}

type DescribedFile = PemFile & WrittenFile;
const cert = (path: string, content: string, description: string): DescribedFile => ({ path, content, secret: false, description });
const key = (path: string, content: string, description: string): DescribedFile => ({ path, content, secret: true, description });

export interface PkiOptions {
  readonly force?: boolean;
  readonly now?: () => number;
}

/** Writes the whole set; refuses (FilesExistError) if any of it exists, unless `force`. */
export async function initDevPki(dir: string, options: PkiOptions = {}): Promise<WrittenFile[]> {
  const layout = devPkiLayout(dir);
  const now = (options.now ?? Date.now)();
  const validity = (days: number) => ({ notBefore: new Date(now - HOUR_MS), notAfter: new Date(now + days * DAY_MS) });
  const [mitm, agentCa] = await Promise.all([
    createRootAuthority({ name: { organization: ORGANIZATION, commonName: 'Portcullis Dev Interception CA' }, ...validity(3650) }),
    createRootAuthority({ name: { organization: ORGANIZATION, commonName: 'Portcullis Dev Agent CA' }, ...validity(3650) }),
  ]);
  const proxyNames: AltName[] = [{ dns: 'localhost' }, { ip: '127.0.0.1' }, { ip: '::1' }];
  const [proxy, demo] = await Promise.all([
    // 825 days: the longest server certificate lifetime Apple platforms accept, private CAs included.
    issueWithNewKey(mitm, { name: { commonName: 'localhost' }, altNames: proxyNames, purpose: 'server', ...validity(825) }),
    issueWithNewKey(agentCa, agentSubject(DEMO_AGENT, DEMO_SPIFFE, validity(365))),
  ]);
  const files: DescribedFile[] = [
    cert(layout.mitmCa.cert, mitm.certPem, 'interception CA certificate (agents trust this)'),
    key(layout.mitmCa.key, mitm.keyPem, 'interception CA key'),
    cert(layout.agentCa.cert, agentCa.certPem, 'agent CA certificate (listen.proxy.tls.client_ca)'),
    key(layout.agentCa.key, agentCa.keyPem, 'agent CA key'),
    cert(layout.proxy.cert, proxy.certPem, 'proxy server certificate (localhost, 127.0.0.1, ::1; signed by the interception CA)'),
    key(layout.proxy.key, proxy.keyPem, 'proxy server key'),
    cert(layout.demoAgent.cert, demo.certPem, `agent '${DEMO_AGENT}' certificate (CN ${DEMO_AGENT}, ${DEMO_SPIFFE})`),
    key(layout.demoAgent.key, demo.keyPem, `agent '${DEMO_AGENT}' key`),
  ];
  await writePemFiles(files, options.force ?? false);
  return files.map(({ path, description }) => ({ path, description }));
}

export interface AgentCertOptions extends PkiOptions {
  /** URI SAN, e.g. `spiffe://acme.internal/agent/NAME`; without it the agent is known by CN only. */
  readonly spiffe?: string;
  /** Default 365; cut short at the agent CA's own expiry. */
  readonly days?: number;
}

export const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `D/agents/NAME.{crt,key}` signed by `D/agent-ca`. Throws AgentCaUnreadableError when that CA cannot be loaded. */
export async function issueAgentCertificate(dir: string, name: string, options: AgentCertOptions = {}): Promise<WrittenFile[]> {
  if (!AGENT_NAME.test(name)) throw new RangeError(`agent name '${name}' must match ${AGENT_NAME.source}`);
  if (options.spiffe !== undefined && !isSpiffeId(options.spiffe)) {
    throw new RangeError(`'${options.spiffe}' is not a SPIFFE ID (spiffe://TRUST-DOMAIN/PATH)`);
  }
  if (options.days !== undefined && !(Number.isInteger(options.days) && options.days > 0)) {
    throw new RangeError(`days must be a positive whole number, not ${options.days}`);
  }
  const ca = await loadAgentCa(dir);
  const now = (options.now ?? Date.now)();
  const notAfter = Math.min(now + (options.days ?? 365) * DAY_MS, ca.cert.validity.notAfter.getTime());
  const paths = agentFiles(dir, name);
  const validity = { notBefore: new Date(now - HOUR_MS), notAfter: new Date(notAfter) };
  const issued = await issueWithNewKey(ca, agentSubject(name, options.spiffe, validity));
  const identity = options.spiffe ? `CN ${name}, ${options.spiffe}` : `CN ${name}`;
  const files = [
    cert(paths.cert, issued.certPem, `agent '${name}' certificate (${identity}; valid until ${validity.notAfter.toISOString()})`),
    key(paths.key, issued.keyPem, `agent '${name}' key`),
  ];
  await writePemFiles(files, options.force ?? false);
  return files.map(({ path, description }) => ({ path, description }));
}

// SPIFFE ID standard §2: a trust domain of lower-case letters, digits, `.`, `-`, `_`; path
// segments of letters, digits, `.`, `-`, `_`, none of them `.` or `..`; nothing else (no port,
// user, query or fragment). A workload ID has at least one path segment.
const SPIFFE_ID = /^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)+$/;

export function isSpiffeId(uri: string): boolean {
  return SPIFFE_ID.test(uri) && !uri.split('/').slice(3).some((segment) => segment === '.' || segment === '..');
}

function agentSubject(name: string, spiffe: string | undefined, validity: { notBefore: Date; notAfter: Date }) {
  return {
    name: { organization: ORGANIZATION, commonName: name },
    altNames: spiffe ? [{ uri: spiffe }] : [],
    purpose: 'client' as const,
    ...validity,
  };
}

export class AgentCaUnreadableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentCaUnreadableError';
  }
}

async function loadAgentCa(dir: string): Promise<ForgeAuthority> {
  const { agentCa } = devPkiLayout(dir);
  try {
    const [cert, key] = await Promise.all([readFile(agentCa.cert, 'utf8'), readFile(agentCa.key, 'utf8')]);
    return forgeAuthorityFromPem(cert, key);
  } catch (error) {
    throw new AgentCaUnreadableError(
      `cannot load the agent CA (${agentCa.cert}, ${agentCa.key}): ${(error as Error).message}; run 'portcullis certs init --dir ${dir}' first`,
      { cause: error },
    );
  }
}

/**
 * For `npm start`: the dev PKI in `dir`, generated only when none of it exists. A partial set
 * is an error rather than patched up: a new CA would silently orphan the certificates left from
 * the old one. Refuses under NODE_ENV=production, where a self-made CA has no business.
 */
export async function ensureDevPki(
  dir: string,
  log: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DevPkiLayout> {
  if (env.NODE_ENV === 'production') {
    throw new Error('refusing to use a generated development PKI with NODE_ENV=production: ' +
      'configure interception.ca_cert/ca_key and listen.proxy.tls with certificates from your own CA');
  }
  const layout = devPkiLayout(dir);
  const files = layoutFiles(layout);
  const present = await existing(files);
  if (present.length === files.length) return layout;
  if (present.length > 0) {
    const missing = files.filter((file) => !present.includes(file));
    throw new Error(`development PKI in ${dir} is incomplete (missing ${missing.join(', ')}); ` +
      `regenerate it with 'portcullis certs init --dir ${dir} --force'`);
  }
  const written = await initDevPki(dir);
  log(`generated a development PKI in ${dir} (${written.length} files); agents must trust ${layout.mitmCa.cert}`);
  return layout;
}
