// Child process for the stdout sink test: writes N audit records to stdout, closes the log,
// then proves stdout is still usable by printing a last marker line.
import { AuditLog } from '../../src/audit/audit-log.ts';
import { exchange } from './exchanges.ts';

const n = Number(process.argv[2] ?? '3');
const audit = new AuditLog([{ type: 'stdout' }], 'sha256:child');
for (let i = 0; i < n; i++) audit.write(exchange(i));
await audit.close();
process.stdout.write('{"marker":"after-close"}\n');
