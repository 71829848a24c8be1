// Which client runtimes the recipes of docs/clients.md can use on this machine. A missing one
// skips its recipes with a loud warning; under CI=true a missing one that CI installs (curl,
// Python's requests from Debian's python3-requests) is a failure instead, so CI never passes
// by skipping. Python's httpx ≥ 0.26 (Debian 12 ships 0.23, which cannot use an HTTPS proxy)
// and Go are optional everywhere.
import { execFileSync } from 'node:child_process';

export interface Tool {
  readonly available: boolean;
  /** Absolute path of the executable, when available. */
  readonly path: string | null;
}

function run(command: string, args: readonly string[]): string | null {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 }).trim();
  } catch {
    return null;
  }
}

function warn(message: string, requiredInCi: boolean): void {
  if (requiredInCi && process.env['CI'] === 'true') throw new Error(`${message} (CI=true requires it)`);
  console.warn(`\n!!!!!!!!\n!!! ${message}; SKIPPING those docs/clients.md recipes.\n!!!!!!!!\n`);
}

/** The first Python (on PATH, then Debian's) on which `check` runs. */
function python(check: string): Tool {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const path = run(candidate, ['-c', `${check}\nimport sys; print(sys.executable)`]);
    if (path !== null) return { available: true, path };
  }
  return { available: false, path: null };
}

function tool(name: string, versionArgs: readonly string[], requiredInCi: boolean, hint: string): Tool {
  const found = run('sh', ['-c', `command -v ${name}`]);
  if (found === null || run(found, versionArgs) === null) {
    warn(`${name} is not installed (${hint})`, requiredInCi);
    return { available: false, path: null };
  }
  return { available: true, path: found };
}

export function curlTool(): Tool {
  return tool('curl', ['--version'], true, 'apt-get install curl');
}

export function goTool(): Tool {
  return tool('go', ['version'], false, 'optional: apt-get install golang-go');
}

export function pythonWithRequests(): Tool {
  const found = python('import requests');
  if (!found.available) warn('no python3 with the requests module (apt-get install python3-requests)', true);
  return found;
}

export function pythonWithModernHttpx(): Tool {
  const found = python([
    'import inspect, httpx',
    'assert "proxy" in inspect.signature(httpx.Client).parameters',
    'assert "ssl_context" in inspect.signature(httpx.Proxy).parameters',
  ].join('\n'));
  if (!found.available) {
    warn('no python3 with httpx >= 0.26 (HTTPS proxies and httpx.Proxy(ssl_context=…); Debian 12 ships 0.23)', false);
  }
  return found;
}
