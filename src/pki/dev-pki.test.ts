import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentCaUnreadableError, devPkiLayout, ensureDevPki, initDevPki, issueAgentCertificate, type DevPkiLayout,
} from './dev-pki.ts';
import { FilesExistError } from './files.ts';

let dir: string;
let layout: DevPkiLayout;

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'portcullis-dev-pki-')), 'certs');
  layout = devPkiLayout(dir);
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

/** `openssl verify` exits non-zero (and execFileSync throws) when the chain does not verify. */
function opensslVerify(caFile: string, certFile: string, purpose: 'sslserver' | 'sslclient'): string {
  return execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', caFile, certFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const allFiles = (l: DevPkiLayout) => [l.mitmCa, l.agentCa, l.proxy, l.demoAgent].flatMap((p) => [p.cert, p.key]);
const contents = (files: string[]) => Promise.all(files.map((file) => readFile(file, 'utf8')));

describe('initDevPki', () => {
  it('writes the SPEC §8 set, and every certificate chains to the CA it should', async () => {
    const written = await initDevPki(dir);
    expect(written.map((file) => file.path).sort()).toEqual(allFiles(layout).sort());
    expect(opensslVerify(layout.agentCa.cert, layout.demoAgent.cert, 'sslclient')).toContain(': OK');
    expect(opensslVerify(layout.mitmCa.cert, layout.proxy.cert, 'sslserver')).toContain(': OK');
    expect(() => opensslVerify(layout.mitmCa.cert, layout.demoAgent.cert, 'sslclient')).toThrow();

    const demo = new X509Certificate(await readFile(layout.demoAgent.cert));
    expect(demo.subject).toContain('CN=demo');
    expect(demo.subjectAltName).toBe('URI:spiffe://portcullis.local/agent/demo');
    const proxy = new X509Certificate(await readFile(layout.proxy.cert));
    expect(proxy.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  });

  it('writes keys 0600 and certificates 0644', async () => {
    await initDevPki(dir);
    for (const pair of [layout.mitmCa, layout.agentCa, layout.proxy, layout.demoAgent]) {
      expect((await stat(pair.key)).mode & 0o777).toBe(0o600);
      expect((await stat(pair.cert)).mode & 0o777).toBe(0o644);
    }
  });

  it('refuses to overwrite an existing set, changing nothing, and replaces it with force', async () => {
    await initDevPki(dir);
    const before = await contents(allFiles(layout));
    const refusal = await initDevPki(dir).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(FilesExistError);
    expect((refusal as FilesExistError).files).toEqual(allFiles(layout));
    expect(await contents(allFiles(layout))).toEqual(before);

    await initDevPki(dir, { force: true });
    const after = await contents(allFiles(layout));
    expect(after.every((content, i) => content !== before[i])).toBe(true);
    expect((await stat(layout.mitmCa.key)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('issueAgentCertificate', () => {
  it('signs D/agents/NAME with the agent CA, with the SPIFFE URI SAN and the requested lifetime', async () => {
    await initDevPki(dir);
    const now = Date.now();
    await issueAgentCertificate(dir, 'finance-auditor', { spiffe: 'spiffe://acme.internal/agent/finance-auditor', days: 30, now: () => now });
    const certFile = join(dir, 'agents', 'finance-auditor.crt');
    expect(opensslVerify(layout.agentCa.cert, certFile, 'sslclient')).toContain(': OK');
    const cert = new X509Certificate(await readFile(certFile));
    expect(cert.subjectAltName).toBe('URI:spiffe://acme.internal/agent/finance-auditor');
    expect(cert.validToDate.getTime()).toBe(Math.floor((now + 30 * 86_400_000) / 1000) * 1000);
    expect((await stat(join(dir, 'agents', 'finance-auditor.key'))).mode & 0o777).toBe(0o600);
  });

  it('without --spiffe the agent is known by CN only', async () => {
    await initDevPki(dir);
    await issueAgentCertificate(dir, 'plain');
    const cert = new X509Certificate(await readFile(join(dir, 'agents', 'plain.crt')));
    expect(cert.subject).toContain('CN=plain');
    expect(cert.subjectAltName).toBeUndefined();
  });

  it('refuses bad names, bad SPIFFE IDs, a missing agent CA and an existing certificate', async () => {
    await expect(issueAgentCertificate(dir, '../escape')).rejects.toThrow(RangeError);
    await expect(issueAgentCertificate(dir, 'x', { spiffe: 'https://acme/agent/x' })).rejects.toThrow(/not a SPIFFE ID/);
    await expect(issueAgentCertificate(dir, 'x', { spiffe: 'spiffe://acme/agent/../x' })).rejects.toThrow(/not a SPIFFE ID/);
    await expect(issueAgentCertificate(dir, 'x')).rejects.toThrow(AgentCaUnreadableError);
    await initDevPki(dir);
    await expect(issueAgentCertificate(dir, 'demo')).rejects.toThrow(FilesExistError);
  });
});

describe('ensureDevPki', () => {
  it('generates the set when none of it exists, then leaves it alone', async () => {
    const logged: string[] = [];
    expect(await ensureDevPki(dir, (line) => logged.push(line), {})).toEqual(layout);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(layout.mitmCa.cert);
    const first = await contents(allFiles(layout));
    await ensureDevPki(dir, (line) => logged.push(line), {});
    expect(await contents(allFiles(layout))).toEqual(first);
    expect(logged).toHaveLength(1);
  });

  it('refuses a partial set instead of orphaning the certificates left', async () => {
    await initDevPki(dir);
    await rm(layout.agentCa.key);
    await expect(ensureDevPki(dir, () => {}, {})).rejects.toThrow(/incomplete \(missing .*agent-ca\.key\).*certs init/);
  });

  it('refuses under NODE_ENV=production and writes nothing', async () => {
    await expect(ensureDevPki(dir, () => {}, { NODE_ENV: 'production' })).rejects.toThrow(/NODE_ENV=production/);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });
});
