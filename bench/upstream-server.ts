// Benchmark upstream, in its own process: HTTPS on 127.0.0.1:0 answering a 1 KB JSON body.
// Prints its port on stdout. Cert and key come as file paths in argv.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

const [certFile, keyFile] = process.argv.slice(2);
const body = JSON.stringify({ data: 'x'.repeat(1000) }).slice(0, 1024);
const server = https.createServer({ cert: readFileSync(certFile as string), key: readFileSync(keyFile as string) }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
