// SIGTERM to a real `portcullis start` process while a streaming request is in flight: the
// stream completes, new connections are refused, the process exits 0 (issue 3 "start").
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyAgent, request } from 'undici';
import { openProxy } from '../helpers/clients.ts';
import { baseConfig } from '../helpers/gateway.ts';
import { makeFixture, policyYaml, type Fixture } from './fixture.ts';

let fx: Fixture;
beforeAll(async () => { fx = await makeFixture(); });
afterAll(async () => { await fx?.close(); });

const bin = fileURLToPath(new URL('../../bin/portcullis.js', import.meta.url));

describe('graceful shutdown', () => {
  it('SIGTERM lets an in-flight SSE stream finish and refuses new connections', async () => {
    const audit = join(fx.pki.dir, 'shutdown-audit.jsonl');
    const file = join(fx.pki.dir, 'shutdown.yaml');
    await writeFile(file, baseConfig(fx.pki, { body: policyYaml(fx.upstream.port, fx.plainUpstream.port) }, audit));
    const child = spawn(process.execPath, [bin, 'start', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        const m = /"msg":"proxy listening"/.test(stderr) ? /"port":([0-9]+)/.exec(stderr) : null;
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`gateway exited early (${code}): ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const pair = fx.pki.agents['finance-auditor']!;
    const dispatcher = new ProxyAgent({
      uri: `https://127.0.0.1:${port}`,
      proxyTls: { ca: fx.pki.interceptionCa.cert, cert: pair.cert, key: pair.key, servername: 'localhost' },
      requestTls: { ca: fx.pki.interceptionCa.cert },
    });
    try {
      const res = await request(`https://api.openai.test:${fx.upstream.port}/sse?n=8&delay=150`, { dispatcher });
      expect(res.statusCode).toBe(200);
      const body = res.body.text();
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      await expect(openProxy(port, { ca: fx.pki.interceptionCa.cert, client: pair })).rejects.toThrow(/ECONNREFUSED/);
      const text = await body;
      expect(text).toContain('data: {"i":7}');
      expect(text).toContain('data: [DONE]');
      expect(await exited).toBe(0);
      expect(stderr).toContain('draining');
    } finally {
      await dispatcher.close();
      child.kill('SIGKILL');
    }
  }, 30_000);
});
