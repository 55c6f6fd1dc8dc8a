#!/usr/bin/env bash
# `npm start`. Until the standalone mode (one process, embedded Postgres, in-process bus) exists,
# this runs the cluster: every service against the local Postgres, Redis and NATS, which
# services.sh installs and starts if needed. The API listens on http://127.0.0.1:3000.
set -euo pipefail
exec bash "$(dirname "$0")/dev-cluster.sh"
