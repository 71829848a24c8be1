import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseCidr, type Cidr } from './cidr.ts';
import { DestinationGuard } from './classify.ts';
import { dialOptions } from './dial.ts';
import { Resolver } from './resolve.ts';

describe('dialOptions', () => {
  it('pins the checked IP and keeps the name for SNI', () => {
    expect(dialOptions({ address: '93.184.215.14' }, 'example.com')).toEqual({ host: '93.184.215.14', servername: 'example.com' });
  });

  it('sends no SNI for an IP-literal target (RFC 6066 §3)', () => {
    expect(dialOptions({ address: '93.184.215.14' }, '93.184.215.14')).toEqual({ host: '93.184.215.14', servername: undefined });
    expect(dialOptions({ address: '2606:4700::1111' }, '2606:4700::1111')).toEqual({ host: '2606:4700::1111', servername: undefined });
  });

  it('makes a TLS client dial the checked address and name the host only in SNI', async () => {
    const hellos: Buffer[] = [];
    const server = createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        hellos.push(chunk);
        socket.destroy();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const allow = parseCidr('127.0.0.1/32') as Cidr;
      const resolver = new Resolver({
        guard: new DestinationGuard({ useDefaultDeny: true, denyCidrs: [], allowCidrs: [allow] }),
        // A name that exists nowhere: the connection can only succeed through the pinned IP.
        staticMap: new Map([['upstream.invalid', ['127.0.0.1']]]),
      });
      const resolved = await resolver.resolve('upstream.invalid', port);
      if (!resolved.ok) throw resolved.error;
      const client = connect({ ...dialOptions(resolved, 'upstream.invalid'), port });
      // The server hangs up after reading the hello: the handshake is expected to fail.
      const [error] = (await once(client, 'error')) as [NodeJS.ErrnoException];
      expect(error.code).toBe('ECONNRESET');
      expect(hellos).toHaveLength(1);
      // The ClientHello carries the server_name extension in clear text.
      expect(hellos[0]!.includes('upstream.invalid')).toBe(true);
    } finally {
      server.close();
    }
  });
});
