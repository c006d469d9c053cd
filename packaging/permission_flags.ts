/**
 * The Deno permissions of the shipped daemon, in one place: `deno task compile` embeds them
 * in `dist/portsyncd`, and `deno task package` writes them into the `/usr/bin/portsyncd`
 * launcher. They were found by running the daemon in a network namespace against a real
 * `redis-server` with nothing else allowed.
 *
 * Why each one:
 * - `--allow-env` lists only systemd's notify variables, the only ones the daemon reads; the
 *   metrics server (`node:https`) and the alert history (`node:sqlite`) run without more.
 * - `--allow-ffi` without a list: `ffi/libc.ts` opens `libc.so.6` by soname, and Deno turns a
 *   bare soname in the allow list into a path below the working folder. FFI can reach any
 *   memory anyway, so a list would not make the sandbox tighter.
 * - Read: the config folder `/etc/sonic`, SONiC's Redis folder (socket and
 *   `sonic-db/database_config.json`), the state folder (warm-restart snapshot, alert history)
 *   and `/proc/self` for process metrics. `/var/run` is a symlink to `/run` on Debian; Deno
 *   compares paths as written, so both spellings are listed.
 * - Write and net: connecting a unix socket needs write access and `unix:<path>` net access
 *   to the exact socket file; the metrics listener needs its `host:port`.
 * - `--allow-sys=hostname`: alert webhooks name the switch they come from.
 * - Syslog (`/dev/log`) and systemd's `NOTIFY_SOCKET` are reached through FFI, so they need no
 *   entry of their own.
 *
 * A config that moves the Redis socket, the state folder or the metrics listener elsewhere, or
 * that names an alert webhook, needs the matching entry here (or, for the launcher, in
 * `PORTSYNCD_DENO_FLAGS`).
 *
 * @module
 */

import { V8_FLAGS } from "./v8_flags.ts";

/** Folder of the daemon's warm-restart snapshot and alert history. */
export const STATE_DIR = "/var/lib/sonic/portsyncd";

/** SONiC's Redis unix socket, in both spellings of `/run`. */
const REDIS_SOCKETS = ["/var/run/redis/redis.sock", "/run/redis/redis.sock"];

/** Default metrics listener, `[metrics] listen`. */
const METRICS_LISTEN = "[::1]:9090";

/** Permission flags, one string per flag, for `deno run` and `deno compile`. */
export const PERMISSION_FLAGS: readonly string[] = [
  "--allow-env=NOTIFY_SOCKET,WATCHDOG_USEC,WATCHDOG_PID",
  "--allow-ffi",
  `--allow-read=${["/etc/sonic", "/var/run/redis", "/run/redis", STATE_DIR, "/proc/self"]}`,
  `--allow-write=${[...REDIS_SOCKETS, STATE_DIR]}`,
  `--allow-net=${[...REDIS_SOCKETS.map((path) => `unix:${path}`), METRICS_LISTEN]}`,
  "--allow-sys=hostname",
];

/**
 * Flags that keep the runtime from looking outside the bundle: no deno.json or lock file
 * from the working folder, no module downloads, no permission prompts, no code cache in the
 * home folder (which systemd's `ProtectHome` hides). It also carries the V8 heap limits of
 * v8_flags.ts.
 */
export const RUNTIME_FLAGS: readonly string[] = [
  V8_FLAGS,
  "--no-config",
  "--no-lock",
  "--no-remote",
  "--no-npm",
  "--no-prompt",
  "--no-code-cache",
];
