// `portcullis certs init|agent` (SPEC §8): the development PKI. Exit 0 when written, 1 when it
// refused to overwrite existing files (or writing failed), 2 for usage errors and an unreadable
// agent CA.
import { parseArgs } from 'node:util';
import { AgentCaUnreadableError, initDevPki, issueAgentCertificate, type WrittenFile } from '../pki/dev-pki.ts';

const USAGE = `usage:
  portcullis certs init [--dir DIR] [--force] [--json]
      writes DIR/mitm-ca.{crt,key}, DIR/agent-ca.{crt,key}, DIR/proxy.{crt,key} and DIR/agents/demo.{crt,key}
  portcullis certs agent NAME [--dir DIR] [--spiffe URI] [--days N] [--force] [--json]
      writes DIR/agents/NAME.{crt,key}, signed by DIR/agent-ca
DIR defaults to ./certs. Existing files are kept unless --force.
exit 0 written, 1 refused to overwrite (or failed), 2 usage error or unreadable agent CA`;

const OPTIONS = {
  dir: { type: 'string', default: 'certs' },
  spiffe: { type: 'string' },
  days: { type: 'string' },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

class UsageError extends Error {}

export async function certsCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [sub, ...rest] = positionals;
  try {
    const written = await run(sub, rest, values);
    report(written, values.json);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) return usage(error.message);
    process.stderr.write(`portcullis certs: ${(error as Error).message}\n`);
    if (error instanceof AgentCaUnreadableError) return 2;
    return 1;
  }
}

async function run(
  sub: string | undefined,
  rest: readonly string[],
  values: { dir: string; spiffe?: string | undefined; days?: string | undefined; force: boolean },
): Promise<WrittenFile[]> {
  if (sub === 'init') {
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
    if (values.spiffe !== undefined || values.days !== undefined) throw new UsageError('--spiffe and --days belong to `certs agent`');
    return initDevPki(values.dir, { force: values.force });
  }
  if (sub === 'agent') {
    const [name, ...extra] = rest;
    if (name === undefined) throw new UsageError('certs agent needs a NAME');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const days = values.days === undefined ? undefined : parseDays(values.days);
    return issueAgentCertificate(values.dir, name, {
      force: values.force,
      ...(values.spiffe === undefined ? {} : { spiffe: values.spiffe }),
      ...(days === undefined ? {} : { days }),
    });
  }
  throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`);
}

function parseDays(text: string): number {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) throw new UsageError(`--days must be a whole number of days, not '${text}'`);
  return Number(text);
}

function report(written: readonly WrittenFile[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ written })}\n`);
    return;
  }
  for (const file of written) process.stdout.write(`wrote ${file.path}  ${file.description}\n`);
}

function usage(problem: string): number {
  process.stderr.write(`portcullis certs: ${problem}\n${USAGE}\n`);
  return 2;
}
