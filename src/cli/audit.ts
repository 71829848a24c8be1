// `portcullis audit verify FILE`: prints `ok: N records, M instances` or the first broken link.
import { verifyAuditFile } from '../audit/verify.ts';

export default async function audit(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  if (rest[0] !== 'verify' || rest.length !== 2 || (rest[1] as string).startsWith('-')) {
    console.error('usage: portcullis audit verify FILE [--json]');
    return 2;
  }
  const file = rest[1] as string;
  let result;
  try {
    result = await verifyAuditFile(file);
  } catch (err) {
    console.error(`portcullis audit verify: cannot read ${file}: ${(err as Error).message}`);
    return 2;
  }
  if (json) console.log(JSON.stringify(result));
  else if (result.ok) console.log(`ok: ${result.records} records, ${result.instances} instances`);
  else {
    console.log(`broken: line ${result.line}, instance ${result.instance ?? '?'}, seq ${result.seq ?? '?'}: ${result.problem}`);
  }
  return result.ok ? 0 : 1;
}
