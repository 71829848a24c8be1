// The load generator, in its own process (forked by bench/run.ts, IPC): one command at a time,
// each bounded in time, answered with its figures. Kept alive across rounds so pools stay warm.
import type { Answer, ClientInit, Command, Figures } from './lib/messages.ts';
import { autocannonLoad } from './load/autocannon-load.ts';
import { closedLoop } from './load/closed.ts';
import { closeAll } from './load/dispatchers.ts';
import { closeIdleTunnels, openIdleTunnels } from './load/idle-tunnels.ts';
import { openLoop } from './load/rate.ts';
import { sseStreams } from './load/sse.ts';

let init: ClientInit | null = null;

async function run(command: Command, material: ClientInit): Promise<Figures | null> {
  switch (command.kind) {
    case 'closed': return closedLoop(material, command);
    case 'rate': return openLoop(material, command);
    case 'sse': return sseStreams(material, command);
    case 'autocannon': return autocannonLoad(material, command);
    case 'idle-open': return openIdleTunnels(material, command);
    case 'idle-close':
      await closeIdleTunnels();
      return null;
  }
}

process.on('message', (message: ClientInit | Command) => {
  if (message.kind === 'init') {
    init = message;
    process.send?.({ ok: true, figures: null } satisfies Answer);
    return;
  }
  const material = init;
  if (material === null) {
    process.send?.({ ok: false, error: 'init first' } satisfies Answer);
    return;
  }
  run(message, material).then(
    (figures) => process.send?.({ ok: true, figures } satisfies Answer),
    (err: unknown) => process.send?.({ ok: false, error: String((err as Error).stack ?? err) } satisfies Answer),
  );
});
process.on('disconnect', () => {
  void closeIdleTunnels().then(closeAll).finally(() => process.exit(0));
});
