// The image runs a command that exists, as a non-root user, with production dependencies only,
// and the build context never carries keys, local state or node_modules.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execForm, isIgnored, parseDockerfile } from './dockerfile.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1)!;
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');

const argv = [...(execForm(runtime, 'ENTRYPOINT') ?? []), ...(execForm(runtime, 'CMD') ?? [])];
const script = argv.findIndex((a) => a.endsWith('portcullis.js'));

describe('Dockerfile', () => {
  it('runs `node bin/portcullis.js start -c /etc/portcullis/portcullis.yaml`', () => {
    expect(argv[0]).toMatch(/(^|\/)node$/);
    expect(argv.slice(script)).toEqual(['bin/portcullis.js', 'start', '-c', '/etc/portcullis/portcullis.yaml']);
    expect(existsSync(join(ROOT, argv[script]!))).toBe(true);
  });

  it('that command line is understood by the real CLI (start reads the -c file)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-image-'));
    try {
      const missing = join(dir, 'portcullis.yaml');
      const args = argv.slice(script).map((a) => (a === argv.at(-1) ? missing : a));
      const result = await new Promise<{ code: number | null; stderr: string }>((done) => {
        const child = execFile(process.execPath, args, { cwd: ROOT, timeout: 15_000 }, (_err, _out, stderr) => {
          done({ code: child.exitCode, stderr });
        });
      });
      // 2 = unreadable input (SPEC §8); an unknown command or option would print usage instead.
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(missing);
      expect(result.stderr).not.toMatch(/unknown command|usage:/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('copies what that command needs into the runtime stage, from stages that built it', () => {
    const copies = runtime.instructions.filter(([k]) => k === 'COPY').map(([, a]) => a);
    const workdir = runtime.instructions.filter(([k]) => k === 'WORKDIR').at(-1)?.[1] ?? '/';
    for (const needed of ['bin', 'src', 'node_modules', 'package.json']) {
      expect(copies.some((c) => / --from=/.test(` ${c}`) && c.split(/\s+/).at(-1)!.replace(/^\.\//, '') === needed),
        `COPY --from=… ${needed} into ${workdir}`).toBe(true);
    }
    expect(posix.isAbsolute(workdir)).toBe(true);
  });

  it('multi-stage: type-checked build with dev dependencies, production dependencies only at run time', () => {
    const runsOf = (stage: (typeof stages)[number]): string[] => stage.instructions.filter(([k]) => k === 'RUN').map(([, a]) => a);
    const build = stages.find((s) => runsOf(s).some((r) => /\btsc -p tsconfig\.json/.test(r)));
    expect(build, 'a stage type-checks with tsc').toBeDefined();
    expect(runsOf(build!).some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    const deps = stages.find((s) => runsOf(s).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)));
    expect(deps, 'a stage runs npm ci --omit=dev').toBeDefined();
    const nodeModules = runtime.instructions.find(([k, a]) => k === 'COPY' && /node_modules/.test(a));
    expect(nodeModules?.[1]).toContain(`--from=${deps!.name}`);
    expect(runtime.instructions.find(([k, a]) => k === 'COPY' && / \S*src$/.test(a))?.[1]).toContain(`--from=${build!.name}`);
  });

  it('Node 24 bases; non-root user; no HEALTHCHECK; the audit directory as a volume', () => {
    const args = new Map(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
      .split('\n').filter((l) => l.startsWith('ARG ')).map((l) => l.slice(4).split('=') as [string, string]));
    const bases = stages.map((s) => s.from.replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? name));
    for (const base of bases) expect(base).toMatch(/node(js)?:?24|nodejs24/);
    const user = runtime.instructions.filter(([k]) => k === 'USER').at(-1)?.[1];
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(0|root)$/);
    expect(stages.flatMap((s) => s.instructions).some(([k]) => k === 'HEALTHCHECK')).toBe(false);
    expect(runtime.instructions.some(([k, a]) => k === 'VOLUME' && a.includes('/var/log/portcullis'))).toBe(true);
  });
});

describe('.dockerignore', () => {
  it.each([
    'node_modules/undici/index.js',
    'certs/mitm-ca.key',
    'certs/agents/demo.key',
    'certs/mitm-ca.crt',
    'var/audit.jsonl',
    'test/fixtures/stray.key',
    '.git/config',
  ])('keeps %s out of the build context', (path) => {
    expect(isIgnored(dockerignore, path)).toBe(true);
  });

  it.each(['package.json', 'package-lock.json', 'tsconfig.json', 'bin/portcullis.js', 'src/main.ts', 'test/helpers/pki.ts'])(
    'keeps %s (the build needs it)', (path) => {
      expect(isIgnored(dockerignore, path)).toBe(false);
    });
});
