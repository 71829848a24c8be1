// CONNECT host:port (SPEC §1): identity, then the host-level decision before any tunnel
// opens, then a spliced tunnel (`tunnel: true`) or TLS interception.
import type { IncomingMessage } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { GatewayError, statusOf } from '../errors.ts';
import { Exchange } from '../exchange.ts';
import { suspensionMessage } from '../governance/suspension-message.ts';
import { decideConnect } from '../policy/decide.ts';
import { finish } from '../pipeline.ts';
import type { Runtime } from '../runtime.ts';
import { parseAuthority } from './authority.ts';
import { interceptContexts, type InterceptContext } from './connection-context.ts';
import { settleIdentity } from './identify.ts';
import { refusalOf, writeRawRefusal } from './respond.ts';
import { openTunnel } from './tunnel.ts';

const ESTABLISHED = 'HTTP/1.1 200 Connection Established\r\n\r\n';
/** Open tunnels per agent when neither the agent nor `limits` sets one: bounds what one agent can pin. */
const DEFAULT_TUNNELS_PER_AGENT = 1000;

export async function handleConnect(
  rt: Runtime,
  inner: HttpServer,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
): Promise<void> {
  socket.on('error', () => socket.destroy());
  const ex = new Exchange();
  ex.method = 'CONNECT';
  const refuse = (err: GatewayError): void => {
    ex.refuse(err.code, err.message);
    writeRawRefusal(socket, refusalOf(ex, err.code, statusOf(err.code), err.message, { headers: err.headers }));
    finish(rt, ex);
  };

  try {
    const authority = parseAuthority('https', req.url ?? '', true);
    ex.host = authority.host;
    ex.port = authority.port;
    ex.identity = settleIdentity(rt, req);
    if (rt.config.audit.required && !rt.audit.available) {
      throw new GatewayError('audit_unavailable', 'no audit sink accepts records and audit is required; traffic is refused until one does');
    }
    const suspended = rt.governance.suspension(ex.identity.agent.id);
    if (suspended !== null) {
      throw new GatewayError('agent_suspended', suspensionMessage(ex.identity.agent.id, suspended));
    }

    const decision = decideConnect(ex.identity.agent, authority.host, authority.port, rt.decideContext());
    ex.rule = decision.rule?.ref ?? null;
    if (decision.decision === 'deny' || decision.handling === null) {
      throw new GatewayError(decision.code === 'ok' ? 'no_matching_rule' : decision.code, decision.message);
    }
    // Report mode (SPEC §4): the CONNECT opens; a tunnel's record says what it would have been.
    // Intercepted requests are each decided, and reported, on their own.
    if (decision.decision === 'report') ex.report(decision.code, decision.message);

    const agent = ex.identity.agent;
    const cap = agent.maxTunnels ?? rt.config.limits.maxTunnelsPerAgent ?? DEFAULT_TUNNELS_PER_AGENT;
    if (rt.tracker.count(agent.id) >= cap) {
      throw new GatewayError('rate_limited', `agent '${agent.id}' already has ${cap} open tunnels (the limit)`,
        { headers: { 'retry-after': '1' } });
    }

    if (decision.handling === 'tunnel') {
      const destination = await rt.resolver.resolve(authority.host, authority.port);
      if (!destination.ok) throw destination.error;
      ex.destinationIp = destination.address;
      ex.tunnel = true;
      openTunnel(rt, ex, socket, head, destination.address, authority.port, ESTABLISHED);
      return;
    }

    if (rt.leaves === null) {
      throw new GatewayError('upstream_error', 'TLS interception is not configured (interception.ca_cert/ca_key)');
    }
    const secureContext = await rt.leaves.get(authority.host);
    if (socket.destroyed) return;
    const context: InterceptContext = {
      identity: ex.identity,
      host: authority.host,
      port: authority.port,
      isIp: authority.isIp,
      sniMismatch: null,
      checkedHostHeader: null,
    };
    socket.write(ESTABLISHED);
    if (head.length > 0) socket.unshift(head);
    const tls = new TLSSocket(socket, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
    tls.once('secure', () => {
      const sni = tls.servername;
      if (typeof sni === 'string' && sni !== '' && sni.toLowerCase().replace(/\.$/, '') !== authority.host) {
        context.sniMismatch = sni;
      }
    });
    // A client that drops mid-handshake must not leave either socket behind.
    tls.on('error', () => { tls.destroy(); socket.destroy(); });
    tls.once('close', () => socket.destroy());
    interceptContexts.set(tls, context);
    rt.tracker.add(tls, ex.identity.agent.id);
    inner.emit('connection', tls);
  } catch (err) {
    if (err instanceof GatewayError) refuse(err);
    else {
      rt.log.error({ err }, 'CONNECT failed');
      refuse(new GatewayError('upstream_error', 'internal error while opening the tunnel'));
    }
  }
}
