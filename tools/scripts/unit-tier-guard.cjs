// Loaded into every jest process of `npm run test:unit` (NODE_OPTIONS=--require). A unit test
// (*.spec.ts) must reach no server: any TCP connect to a Postgres, NATS or Redis port, or to the
// closed port the tier points their addresses at, fails at once with a message saying so, instead
// of a timeout or, worse, a silent pass against the machine's real servers.
'use strict';
const net = require('node:net');

const SERVER_PORTS = new Map([
  [5432, 'Postgres'],
  [4222, 'NATS'],
  [6379, 'Redis'],
  [Number(process.env.JUNCTION_UNIT_CLOSED_PORT || 1), 'a server address (the unit tier points them all at a closed port)'],
]);

function targetPort(args) {
  const first = args[0];
  if (Array.isArray(first)) return targetPort(first); // internal normalized form
  if (first && typeof first === 'object') return first.path ? undefined : Number(first.port);
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined; // a unix socket path
  return first === undefined ? undefined : Number(first);
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const port = targetPort(args);
  const server = port === undefined ? undefined : SERVER_PORTS.get(port);
  if (server) {
    const error = new Error(
      `unit tier: a *.spec.ts test tried to reach ${server} (port ${port}). Unit tests use no servers: ` +
        'use the fakes in @junction/shared/testing, or rename the file to *.int-spec.ts.',
    );
    error.code = 'JUNCTION_UNIT_NO_SERVERS';
    // said on stderr too, in case the test swallows the error (a retry loop, an outage branch)
    process.stderr.write(`${error.message}\n`);
    // fail like a refused connection would, so the client surfaces it to the test
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return connect.apply(this, args);
};
