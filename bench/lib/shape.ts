// What the benchmark upstream serves and the names the cases use, shared by every process.
export const SSE_CHUNKS = 50;
/** Gap between SSE chunks at the upstream; the first chunk goes out with the headers. */
export const SSE_GAP_MS = 2;
export const ITEM_BYTES = 1024;
export const BIG_BYTES = 100 * 1024;

/** Intercepted HTTPS and absolute-URI HTTP host. */
export const API_HOST = 'api.bench.test';
/** `tunnel: true` host: bytes spliced, TLS end to end. */
export const TUNNEL_HOST = 'tunnel.bench.test';
export const BENCH_AGENT = 'finance-auditor';
