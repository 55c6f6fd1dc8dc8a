import { connect } from 'nats';

/**
 * Deletes every JetStream stream of a test namespace, object stores (claim checks) included, so
 * runs do not leave their messages on the shared server's disk.
 */
export async function dropNatsNamespace(url: string, namespace: string): Promise<number> {
  const prefix = `${namespace.toUpperCase()}_`;
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    const names: string[] = [];
    for await (const stream of jsm.streams.list()) {
      const name = stream.config.name;
      if (name.startsWith(prefix) || name.startsWith(`OBJ_${prefix}`)) names.push(name);
    }
    await Promise.all(names.map((name) => jsm.streams.delete(name).catch(() => false)));
    return names.length;
  } finally {
    await nc.close();
  }
}
