// Runs the real CLI (`node bin/portcullis.js …`) as a child process, with the Node that runs
// the tests (the Node 24 put on PATH by scripts/ensure-node.sh) and only the environment given.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
const BIN = join(REPO, 'bin/portcullis.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO,
      env: options.env ?? {},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** A fresh temp directory holding `files` (name → content); returns its path. */
export async function tempFiles(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-cli-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

/** A small valid config: allow, deny-wins, schedule, flag, tunnel and report-mode cases. */
export const SAMPLE_CONFIG = `version: 1
policies:
  web:
    rules:
      - { id: read, host: api.example.com, methods: [GET], paths: ["/v1/**"], rate: 10/min }
      - { id: no-admin, host: api.example.com, paths: ["/v1/admin/**"], action: deny }
      - id: office-hours
        host: hr.example.com
        when: { schedule: { days: [mon-fri], hours: "09:00-17:00", tz: UTC } }
      - id: deploy
        host: deploy.example.com
        methods: [POST]
        when: { flags: { release: true } }
      - { id: mirror, host: mirror.example.com, tunnel: true, when: { flags: { mirror: true } } }
agents:
  bot:
    match: { cn: bot }
    policies: [web]
  observer:
    match: { cn: observer }
    mode: report
    policies: [web]
`;
