// `portcullis start [-c FILE] [--dev-pki DIR]`: run the gateway until SIGTERM/SIGINT, then
// drain (stop accepting, let in-flight requests finish up to the deadline) and exit.
import pino from 'pino';
import { loadConfig } from '../config/load.ts';
import { ConfigError, ConfigReadError } from '../config/issues.ts';
import { startGateway } from '../gateway.ts';
import { ensureDevPki } from '../pki/dev-pki.ts';
import { CONFIG_OPTIONS, configFileOf, parseArgs } from './args.ts';

const DRAIN_DEADLINE_MS = 25_000;

export default async function start(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: [...CONFIG_OPTIONS, '--dev-pki'], flags: [] });
  if ('error' in args || args.positionals.length > 0) {
    console.error(`portcullis start: ${'error' in args ? args.error : `unexpected argument '${args.positionals[0]}'`}\nusage: portcullis start [-c FILE] [--dev-pki DIR]`);
    return 2;
  }
  const log = pino({ name: 'portcullis' }, pino.destination(2));
  const devPki = args.values['--dev-pki'];
  if (devPki !== undefined) {
    try {
      await ensureDevPki(devPki, (message) => log.warn(message));
    } catch (err) {
      console.error(`portcullis start: ${(err as Error).message}`);
      return 2;
    }
  }
  const file = configFileOf(args, process.env);
  let config;
  try {
    config = await loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ConfigReadError) {
      console.error(err.message);
      return err instanceof ConfigReadError ? 2 : 1;
    }
    throw err;
  }
  const gateway = await startGateway(config, { log });
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        resolve(1);
        return;
      }
      stopping = true;
      log.info({ signal, deadlineMs: DRAIN_DEADLINE_MS }, 'draining: no new connections, waiting for in-flight requests');
      gateway.close(DRAIN_DEADLINE_MS).then(() => {
        log.info('stopped');
        resolve(0);
      }, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        resolve(1);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
