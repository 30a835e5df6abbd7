/**
 * The reference of the API scenario: a bare Node.js HTTP server that reads the request body and answers a
 * SendEmail-shaped JSON response, nothing else. Run as its own process, like Sesame; prints its port.
 */
import { createServer } from 'node:http';

let n = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const size = Buffer.concat(chunks).length;
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': String(n++) });
    res.end(JSON.stringify({ MessageId: `${Date.now().toString(16)}-${size}-${n}` }));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
