// `portcullis start [-c FILE] [--dev-pki DIR]`: run the gateway until SIGTERM/SIGINT, then
// drain (stop accepting, let in-flight requests finish up to the deadline) and exit.
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';
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
  const reload = (why: string): void => {
    log.info({ why }, 'reloading config');
    void gateway.reload();
  };
  process.on('SIGHUP', () => reload('SIGHUP'));
  // logrotate moved the audit file: write to a new one at the configured path.
  process.on('SIGUSR2', () => void gateway.runtime.audit.reopen());
  const stopWatching = watchFiles(config.files, () => reload('config file changed'));
  return new Promise<number>((resolve) => {
    let stopping = false;
    const done = (code: number): void => {
      resolve(code);
      // Anything still holding the event loop (a stuck client) must not keep a stopped gateway alive.
      setTimeout(() => process.exit(code), 2000).unref();
    };
    const stop = (signal: string): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      stopping = true;
      stopWatching();
      log.info({ signal, deadlineMs: DRAIN_DEADLINE_MS }, 'draining: no new connections, waiting for in-flight requests');
      gateway.close(DRAIN_DEADLINE_MS).then(() => {
        log.info('stopped');
        done(0);
      }, (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        done(1);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

/**
 * Calls `onChange` once per burst of changes to any of `files` (editors write in several steps,
 * and Kubernetes swaps a ConfigMap's symlink): the directories are watched, not the files, so a
 * replaced file is still seen.
 */
function watchFiles(files: readonly string[], onChange: () => void): () => void {
  const names = new Set(files.map((f) => basename(f)));
  let timer: NodeJS.Timeout | null = null;
  const watchers = [...new Set(files.map((f) => dirname(f)))].map((dir) => watch(dir, (_event, name) => {
    if (name !== null && !names.has(name) && !name.startsWith('..')) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => { timer = null; onChange(); }, 300);
  }));
  return () => {
    if (timer !== null) clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
