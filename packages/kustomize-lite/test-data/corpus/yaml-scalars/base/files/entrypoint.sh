#!/bin/sh
# entrypoint without a final newline
exec redis-server /usr/local/etc/redis/redis.conf