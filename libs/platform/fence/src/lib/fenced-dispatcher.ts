import { Agent, buildConnector } from 'undici';
import { FenceRefusal, type Fence } from './fence';

export interface FencedDispatcherOptions extends Omit<Agent.Options, 'connect'> {
  connectTimeoutMs?: number;
  /** What a refusal becomes for the caller (its own error type); the refusal itself by default. */
  refusal?: (error: FenceRefusal) => Error;
}

/**
 * An undici dispatcher whose every connection (the first request and each redirect) resolves the
 * host through the fence, which checks every address and the port and hands back the checked
 * address to connect to: no DNS rebinding between check and connect. `host` keeps the name, so
 * SNI and the certificate check still use it.
 */
export function fencedDispatcher(fence: Fence, options: FencedDispatcherOptions = {}): Agent {
  const { connectTimeoutMs = 5_000, refusal = (error: FenceRefusal) => error, ...agent } = options;
  const connectTo = buildConnector({ timeout: connectTimeoutMs });
  return new Agent({
    ...agent,
    connect: (opts: buildConnector.Options, callback: buildConnector.Callback) => {
      const port = Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80);
      fence.resolve(opts.hostname, port).then(
        ([checked]) => connectTo({ ...opts, hostname: checked.address }, callback),
        (error: Error) => callback(error instanceof FenceRefusal ? refusal(error) : error, null),
      );
    },
  });
}
