// A local HTTP audit collector (127.0.0.1, port 0) whose behaviour a test switches between
// answering 200, failing with 500, and stalling (reading the batch, never answering).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type CollectorMode = 'ok' | 'fail' | 'stall';

export interface CollectorRequest {
  readonly at: number;
  readonly mode: CollectorMode;
  readonly headers: IncomingHttpHeaders;
  readonly lines: readonly string[];
}

export interface Collector {
  readonly url: string;
  mode: CollectorMode;
  readonly requests: CollectorRequest[];
  /** seq of every record in batches answered 200, in arrival order. */
  acknowledgedSeqs(): number[];
  close(): Promise<void>;
}

export async function startCollector(): Promise<Collector> {
  const stalled: ServerResponse[] = [];
  const requests: CollectorRequest[] = [];
  const collector: Collector = {
    url: '',
    mode: 'ok',
    requests,
    acknowledgedSeqs: () => requests.filter((r) => r.mode === 'ok')
      .flatMap((r) => r.lines.map((l) => (JSON.parse(l) as { seq: number }).seq)),
    close: async () => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const mode = collector.mode;
      const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l !== '');
      requests.push({ at: performance.now(), mode, headers: req.headers, lines });
      if (mode === 'stall') stalled.push(res);
      else res.writeHead(mode === 'ok' ? 200 : 500).end(mode === 'ok' ? 'ok' : 'collector broken');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  (collector as { url: string }).url = `http://127.0.0.1:${port}/ingest?source=portcullis`;
  return collector;
}
