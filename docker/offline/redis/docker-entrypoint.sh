#!/bin/sh
# Entrypoint of wtdock's redis stand-in, following the official image's docker-entrypoint.sh.
set -e

# first arg is `-f` or `--some-option`, or `something.conf`
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

# allow the container to be started with `--user`
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --clear-groups -- "$0" "$@"
fi

# set an appropriate umask (if one isn't set already), as the official image does
um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

# The official image's redis-server is compiled with protected mode off, so other containers can
# connect without a password when no config says otherwise. Debian's binary defaults to on: say
# "--protected-mode no" unless the arguments or the config file (redis-server's first argument
# when it does not start with "-") set protected-mode themselves.
if [ "$1" = 'redis-server' ]; then
	set_pm=yes
	for arg; do
		case "$arg" in --protected-mode | --protected-mode=*) set_pm=no ;; esac
	done
	conf=
	if [ "$#" -ge 2 ] && [ "${2#-}" = "$2" ]; then
		conf=$2
	fi
	if [ -n "$conf" ] && [ -r "$conf" ] && grep -qiE '^[[:space:]]*protected-mode[[:space:]]' "$conf"; then
		set_pm=no
	fi
	if [ "$set_pm" = yes ]; then
		shift
		if [ -n "$conf" ]; then
			shift
			set -- redis-server "$conf" --protected-mode no "$@"
		else
			set -- redis-server --protected-mode no "$@"
		fi
	fi
fi

exec "$@"
