#!/bin/sh
# Entrypoint of wtdock's nats stand-in, as in the official alpine image: with no arguments, or when
# the first argument is a flag, run nats-server with them; otherwise run the given command.
set -e

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
	set -- nats-server "$@"
fi

exec "$@"
