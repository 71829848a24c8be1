import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { certsCommand } from './certs.ts';

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-certs-cli-'));
  dir = join(root, 'certs');
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

/** Runs the command, capturing what it prints. */
async function certs(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { stdout += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => { stderr += String(chunk); return true; });
  try {
    return { code: await certsCommand(args), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('portcullis certs', () => {
  it('init writes the set and prints every file written', async () => {
    const { code, stdout, stderr } = await certs('init', '--dir', dir);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const file of ['mitm-ca.crt', 'mitm-ca.key', 'agent-ca.crt', 'agent-ca.key', 'proxy.crt', 'proxy.key', 'agents/demo.crt', 'agents/demo.key']) {
      expect(stdout).toContain(`wrote ${join(dir, file)}`);
    }
    expect((await stat(join(dir, 'agents', 'demo.key'))).mode & 0o777).toBe(0o600);
  });

  it('init refuses to overwrite (exit 1, naming the files) unless --force', async () => {
    await certs('init', '--dir', dir);
    const before = await readFile(join(dir, 'mitm-ca.key'), 'utf8');
    const refused = await certs('init', '--dir', dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`refusing to overwrite ${join(dir, 'mitm-ca.crt')}`);
    expect(await readFile(join(dir, 'mitm-ca.key'), 'utf8')).toBe(before);
    expect((await certs('init', '--dir', dir, '--force')).code).toBe(0);
    expect(await readFile(join(dir, 'mitm-ca.key'), 'utf8')).not.toBe(before);
  });

  it('agent --spiffe puts the URI SAN in a certificate signed by the agent CA', async () => {
    await certs('init', '--dir', dir);
    const { code, stdout } = await certs('agent', 'finance-auditor', '--dir', dir, '--spiffe', 'spiffe://acme.internal/agent/finance-auditor', '--days', '7', '--json');
    expect(code).toBe(0);
    const { written } = JSON.parse(stdout) as { written: { path: string }[] };
    expect(written.map((file) => file.path)).toEqual([join(dir, 'agents', 'finance-auditor.crt'), join(dir, 'agents', 'finance-auditor.key')]);
    const cert = new X509Certificate(await readFile(join(dir, 'agents', 'finance-auditor.crt')));
    const ca = new X509Certificate(await readFile(join(dir, 'agent-ca.crt')));
    expect(cert.subjectAltName).toBe('URI:spiffe://acme.internal/agent/finance-auditor');
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.validToDate.getTime() - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
  });

  it('agent without an agent CA is unreadable input: exit 2', async () => {
    const { code, stderr } = await certs('agent', 'x', '--dir', dir);
    expect(code).toBe(2);
    expect(stderr).toContain('cannot load the agent CA');
  });

  it.each([
    [[]],
    [['bogus']],
    [['init', '--nope']],
    [['init', 'extra']],
    [['init', '--spiffe', 'spiffe://a/b']],
    [['agent']],
    [['agent', 'a/b']],
    [['agent', 'x', '--days', 'ten']],
    [['agent', 'x', '--spiffe', 'http://not/spiffe']],
  ])('usage error for %j: exit 2 with the usage text', async (args) => {
    const { code, stderr, stdout } = await certs(...args);
    expect(code).toBe(2);
    expect(stderr).toContain('usage:');
    expect(stdout).toBe('');
  });

  it('--help prints the usage on stdout', async () => {
    const { code, stdout } = await certs('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('portcullis certs agent NAME');
  });
});
