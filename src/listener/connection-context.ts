// What a connection settled once and every request on it reuses (SPEC §3: identity per
// connection; §2: requests inside a tunnel must stay on the CONNECT authority).
import type { Socket } from 'node:net';
import type { Identity } from '../identity/identity.ts';
import type { PeerCertificateFacts } from '../identity/identity.ts';

export interface InterceptContext {
  readonly identity: Identity;
  /** Normalised CONNECT host and port. */
  readonly host: string;
  readonly port: number;
  readonly isIp: boolean;
  /** SNI the agent sent when it differs from the CONNECT host (refused per request). */
  sniMismatch: string | null;
  /**
   * The last Host header found equal to the CONNECT authority: keep-alive clients send the same
   * one on every request, and it need not be parsed again.
   */
  checkedHostHeader: string | null;
}

/** Intercepted TLS socket → its CONNECT context. */
export const interceptContexts = new WeakMap<Socket, InterceptContext>();

/** Proxy-listener socket → its client-certificate facts (null: none presented). */
export const peerFacts = new WeakMap<Socket, PeerCertificateFacts | null>();
