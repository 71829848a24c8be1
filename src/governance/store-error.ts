// A governance store that does not answer: the request path refuses with 503 `store_unavailable`
// (an approval is never granted without the store), and the admin API answers 503 too.
import { GatewayError } from '../errors.ts';

export function storeUnavailable(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new GatewayError('store_unavailable', `governance store unreachable: ${reason}`, { cause: err });
}

/** Runs a store call, turning any failure into `store_unavailable`. */
export async function inStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw storeUnavailable(err);
  }
}
