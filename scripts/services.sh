#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis that the tests use are up, starting them when they are not
# (the commands of this machine image's services; CI runs as root on the same image).
set -euo pipefail

pg_host=127.0.0.1 pg_port=5432 redis_port=6379

postgres_up() { pg_isready -q -h "$pg_host" -p "$pg_port"; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = "PONG" ]; }

wait_for() {  # name, check function
  for _ in $(seq 1 60); do "$2" && return 0; sleep 0.5; done
  echo "services: $1 did not come up" >&2
  return 1
}

if ! postgres_up; then
  echo "services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  wait_for PostgreSQL postgres_up
fi

if ! redis_up; then
  echo "services: starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis redis_up
fi

echo "services: PostgreSQL and Redis are up"
