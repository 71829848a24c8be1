// The command table and usage text: argv → one command, loaded only when it runs, so
// `portcullis check` never loads the listener, undici or ioredis.

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  start: async () => (await import('./start.ts')).default,
  check: async () => (await import('./check.ts')).checkCommand,
  explain: async () => (await import('./explain.ts')).explainCommand,
  test: async () => (await import('./test-cases.ts')).testCommand,
  certs: async () => (await import('./certs.ts')).certsCommand,
  audit: async () => (await import('./audit.ts')).default,
};

const USAGE = `usage: portcullis COMMAND [options]

  start   [-c FILE] [--dev-pki DIR]                   run the gateway (SIGHUP reloads, SIGUSR2 reopens audit files)
  check   [-c FILE] [--json]                          validate config; exit 1 with located errors
  explain [-c FILE] --agent ID METHOD URL [--flag NAME=true|false]... [--at ISO-TIME] [--json]
                                                      decision trace for a hypothetical request
  test    [-c FILE] [--json] TESTS.yaml               policy unit tests (expect allow/deny/code)
  certs init [--dir certs]                            dev PKI: interception CA, agent CA, proxy cert, demo agent
  certs agent NAME [--dir certs] [--spiffe URI] [--days N]   issue an agent client certificate
  audit verify FILE                                   check the audit hash chain

The config file is -c FILE, else $PORTCULLIS_CONFIG, else config/portcullis.yaml.
Exit codes: 0 success / allowed, 1 denied or failed, 2 usage error or unreadable input.`;

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h' || rest.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const load = name === undefined ? undefined : COMMANDS[name];
  if (load === undefined) {
    console.error(`${name === undefined ? 'portcullis: a command is required' : `portcullis: unknown command '${name}'`}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    // A bug, not a verdict: 1 would read as "denied" or "failed check" to a calling script.
    console.error(`portcullis ${name}: internal error: ${err instanceof Error ? err.stack : String(err)}`);
    return 2;
  }
}

