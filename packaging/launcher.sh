#!/bin/sh
# portsyncd launcher: runs the bundled daemon on the Deno runtime shipped beside it, with the
# permissions the daemon needs and no more. PORTSYNCD_DENO_FLAGS adds runtime flags, for
# example --allow-net=[::]:9100 for a metrics listener moved off the default address.
# The runtime keeps its analysis caches in DENO_DIR; /var/cache/portsyncd instead of the
# home folder, which systemd's ProtectHome hides.
DENO_NO_UPDATE_CHECK=1
DENO_DIR=/var/cache/portsyncd
export DENO_NO_UPDATE_CHECK DENO_DIR
# shellcheck disable=SC2086 # PORTSYNCD_DENO_FLAGS holds several flags.
exec /usr/lib/portsyncd/deno run @FLAGS@ ${PORTSYNCD_DENO_FLAGS:-} \
  /usr/lib/portsyncd/portsyncd.js "$@"
