// Exchanges shaped like real requests, for AuditLog tests.
import { Exchange } from '../../src/exchange.ts';

export function exchange(n: number): Exchange {
  const ex = new Exchange();
  ex.method = 'POST';
  ex.host = 'api.openai.com';
  ex.port = 443;
  ex.path = `/v1/chat/completions/${n}`;
  ex.status = 200;
  return ex;
}
