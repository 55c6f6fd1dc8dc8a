#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and NATS (with JetStream) listen on 127.0.0.1 at their default
# ports, installing them from Debian's packages and starting them if they are not. Idempotent:
# a second run only checks. Exits non-zero, naming the service, if one cannot be reached.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 120); do port_open "$1" && return 0; sleep 0.5; done
  echo "services.sh: $2 did not come up on 127.0.0.1:$1" >&2
  return 1
}
apt_install() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ]; then echo "services.sh: $2 is missing; install it (apt-get install $2) or run as root" >&2; return 1; fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null
}

# PostgreSQL
if ! port_open 5432; then
  apt_install pg_ctlcluster postgresql
  ver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
  if [ -z "$ver" ]; then ver=$(ls /usr/lib/postgresql | sort -n | tail -1); pg_createcluster "$ver" main; fi
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || pg_ctlcluster "$ver" main start
  wait_port 5432 postgres
fi

# Redis: a cache, never the only copy of anything, so it keeps nothing on disk
if ! port_open 6379; then
  apt_install redis-server redis-server
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no \
    --pidfile /tmp/junction-redis.pid --logfile /tmp/junction-redis.log
  wait_port 6379 redis
fi

# NATS with JetStream
if ! port_open 4222; then
  apt_install nats-server nats-server
  sd=/var/lib/nats-server
  mkdir -p "$sd" 2>/dev/null || true
  [ -w "$sd" ] || { sd=/tmp/junction-nats; mkdir -p "$sd"; }
  nohup nats-server -a 127.0.0.1 -p 4222 -js -sd "$sd" -P /tmp/junction-nats.pid \
    -l /tmp/junction-nats.log >/dev/null 2>&1 &
  wait_port 4222 nats
fi

# The checks the tests rely on: a database answers, Redis answers, NATS has JetStream.
node -e '
const net = require("net");
const s = net.connect(4222, "127.0.0.1");
s.once("data", (d) => {
  const info = JSON.parse(String(d).replace(/^INFO /, ""));
  if (!info.jetstream) { console.error("services.sh: nats-server runs without JetStream (-js)"); process.exit(1); }
  s.destroy();
});
s.once("error", (e) => { console.error("services.sh: nats:", e.message); process.exit(1); });
'
echo "services up: postgres 127.0.0.1:5432, redis 127.0.0.1:6379, nats 127.0.0.1:4222 (JetStream)"
