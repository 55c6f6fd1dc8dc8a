import type { Socket } from 'node:net';

/**
 * Raw TCP for connectors that speak another protocol (database drivers): every socket it makes
 * connects through the outbound fence, like the HTTP client. Implemented by `Fence`.
 */
export interface TcpConnector {
  /** An unconnected socket whose `connect(port, host)` resolves the host, checks every address and connects to the checked one. */
  socket(): Socket;
}
