#!/bin/sh
# Development TLS certificates for the NATS cluster: a CA, the nodes' certificate (client, route and
# leaf connections; names nats-1..3, nats, localhost, 127.0.0.1) and one client certificate per
# service and agency system named on the command line. For a developer's machine only: production
# brings certificates from its own CA (docs/deploy.md). Writes into deploy/tls/dev by default.
#
#   deploy/tls/make-dev-certs.sh [DIR] [CLIENT ...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$here/dev}
[ $# -gt 0 ] && shift
python=${PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || python=python3
if [ $# -eq 0 ]; then
  set -- referral assessment contractor reporting coordinator referrer cpo fire_service \
    contractor_office fire_control operator
fi
cd "$root" && exec "$python" -m sanctuary.devtools.devcerts "$out" "$@"
