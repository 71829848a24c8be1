// What bench/run.ts asks of the load client (bench/load-client.ts, its own process, over IPC)
// and what it answers. Every load is bounded in time; the same client and the same code serve
// the direct run and the proxied ones.

/** Client material, sent once. PEM text. */
export interface ClientInit {
  readonly kind: 'init';
  readonly agentCert: string;
  readonly agentKey: string;
  /** Signs the proxy's certificate and the interception leaves. */
  readonly interceptionCa: string;
  /** Signs the upstream's certificate (direct runs and spliced tunnels). */
  readonly upstreamCa: string;
}

/** An HTTPS request target, straight to the upstream or through a proxy on 127.0.0.1. */
export interface Target {
  /** null: direct to the upstream on 127.0.0.1. */
  readonly proxyPort: number | null;
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

export interface ClosedLoad {
  readonly kind: 'closed';
  readonly target: Target;
  readonly connections: number;
  readonly seconds: number;
  /** A new connection (and TLS handshakes) for every request. */
  readonly newConnection: boolean;
}

/** Open loop: requests sent on a fixed schedule; latency counted from the intended send time. */
export interface RateLoad {
  readonly kind: 'rate';
  readonly target: Target;
  readonly rate: number;
  readonly connections: number;
  readonly seconds: number;
}

export interface SseLoad {
  readonly kind: 'sse';
  readonly target: Target;
  readonly streams: number;
}

/** autocannon, plain-HTTP absolute-URI requests (or origin-form when direct). */
export interface AutocannonLoad {
  readonly kind: 'autocannon';
  readonly proxyPort: number | null;
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly connections: number;
  readonly seconds: number;
}

/** Opens `count` intercepted tunnels (one request each) and holds them until `idle-close`. */
export interface IdleOpen {
  readonly kind: 'idle-open';
  readonly target: Target & { readonly proxyPort: number };
  readonly count: number;
}

export interface IdleClose {
  readonly kind: 'idle-close';
}

export type Command = ClosedLoad | RateLoad | SseLoad | AutocannonLoad | IdleOpen | IdleClose;

export interface LoadFigures {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  /** Milliseconds. */
  readonly p50: number;
  readonly p99: number;
}

export interface SseFigures {
  readonly streams: number;
  readonly errors: number;
  /** Time to first chunk and to last chunk, milliseconds. */
  readonly firstP50: number;
  readonly firstP99: number;
  readonly lastP50: number;
  readonly lastP99: number;
}

export interface IdleFigures {
  readonly opened: number;
  readonly failed: number;
  readonly seconds: number;
}

export type Figures = LoadFigures | SseFigures | IdleFigures;

export type Answer =
  | { readonly ok: true; readonly figures: Figures | null }
  | { readonly ok: false; readonly error: string };
