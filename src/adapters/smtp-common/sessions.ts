/**
 * What smtp-server keeps to itself and both listeners need: its open connections (to close one session with a
 * reply), and listening with the address it bound.
 */
import type { SMTPServer, SMTPServerSession } from 'smtp-server';

interface Connection {
  session: SMTPServerSession;
  send(code: number, message: string): void;
  close(): void;
}

/** Sends a reply (421) and closes one session of a server (smtp-server keeps its connections in `connections`). */
export function closeSession(
  server: SMTPServer,
  session: SMTPServerSession,
  code: number,
  message: string,
): void {
  const connections = (server as unknown as { connections: Set<Connection> }).connections;
  for (const c of connections) {
    if (c.session !== session) continue;
    c.send(code, message);
    c.close();
  }
}

/** Listens on host:port; resolves with the bound address as `host:port` (`[v6]:port`). */
export async function listenOn(server: SMTPServer, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const a = server.server.address() as { address: string; port: number };
  return `${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
}

export function closeServer(server: SMTPServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
