import { request } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/admin/server.ts';
import { ADMIN_TOKEN, errorOf, startAdmin, type AdminFixture } from './fixture.ts';

/** A raw exchange on one socket: what the server wrote back before closing. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => { received += chunk; });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('admin HTTP errors', () => {
  let admin: AdminFixture;
  let port: number;
  beforeAll(async () => {
    admin = await startAdmin({ requestTimeoutMs: 400 });
    port = Number(new URL(admin.base).port);
  });
  afterAll(() => admin.close());

  it('404 for an unknown route outside /v1, with no token needed', async () => {
    expect(await errorOf(await admin.call('/admin', { auth: false }), 404)).toEqual({ code: 'not_found', message: 'no admin endpoint at /admin' });
    expect(await errorOf(await admin.call('/v1/agents/bot', { method: 'POST' }), 404)).toEqual({ code: 'not_found', message: 'no admin endpoint at /v1/agents/bot' });
  });

  it('405 with an allow header', async () => {
    const response = await admin.call('/healthz', { method: 'POST', auth: false });
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await errorOf(response, 405)).toEqual({ code: 'method_not_allowed', message: 'POST is not allowed on /healthz (allowed: GET, HEAD)' });
    const suspend = await admin.call('/v1/agents/bot/suspend');
    expect(suspend.headers.get('allow')).toBe('POST');
    await errorOf(suspend, 405);
  });

  it('413 for a declared body over 64 KiB, before reading it', async () => {
    const body = JSON.stringify({ reason: 'x'.repeat(MAX_BODY_BYTES) });
    const response = await admin.call('/v1/agents/bot/suspend', { method: 'POST', body });
    expect(response.headers.get('connection')).toBe('close');
    expect(await errorOf(response, 413)).toEqual({ code: 'body_too_large', message: 'the request body is larger than 65536 bytes' });
    expect(admin.governance.suspensions()).toEqual([]);
  });

  it('413 for a chunked body that grows past 64 KiB', async () => {
    const { status, body } = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/v1/flags/freeze', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(8 * 1024));
      req.end();
    });
    expect(status).toBe(413);
    expect(JSON.parse(body)).toEqual({ error: { code: 'body_too_large', message: 'the request body is larger than 65536 bytes' } });
    expect(admin.governance.flags()).toEqual({});
  });

  it('400 for a path segment that is not valid percent-encoding', async () => {
    expect(await errorOf(await admin.call('/v1/agents/%E0%A4%A/suspend', { method: 'POST' }), 400))
      .toEqual({ code: 'invalid_path', message: "'%E0%A4%A' is not a valid percent-encoded path segment" });
  });

  it('400 for a request target that is not a path', async () => {
    const answer = await raw(port, 'GET http://example.com/healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('{"error":{"code":"invalid_path","message":"the request target must be a path"}}');
  });

  it('a request whose body never finishes is cut off by the request timeout', async () => {
    const started = Date.now();
    const answer = await raw(port, `POST /v1/suspend-all HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Length: 100\r\n\r\n{"re`);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(admin.governance.suspensions()).toEqual([]);
  });

  it('an unexpected failure is a 500 that reveals nothing', async () => {
    const original = admin.governance.flags.bind(admin.governance);
    admin.governance.flags = () => {
      throw new Error('redis://:hunter2@store:6379 exploded');
    };
    try {
      const response = await admin.call('/v1/flags');
      const text = await response.clone().text();
      expect(text).not.toContain('hunter2');
      expect(await errorOf(response, 500)).toEqual({ code: 'internal_error', message: 'internal error' });
    } finally {
      admin.governance.flags = original;
    }
  });
});
