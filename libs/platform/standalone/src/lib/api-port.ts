import { createServer } from 'node:net';

/**
 * The port the API will listen on. `PORT=0` (any free port) is resolved here, before the services
 * start, because the executor needs the real address for the webhook URLs it hands out
 * (`JUNCTION_PUBLIC_URL`); a port taken in between fails the gateway's listen, naming `PORT`.
 */
export async function resolveApiPort(requested: string, host: string): Promise<string> {
  if (requested !== '0') return requested;
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(String(address.port)) : reject(new Error(`no free port on ${host}`))));
    });
  });
}
