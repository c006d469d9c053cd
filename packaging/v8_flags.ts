/**
 * The V8 heap limits of the daemon, in one place: `deno task start` (deno.json, checked by
 * v8_flags_test.ts), the shipped launcher and compiled binary (through `RUNTIME_FLAGS` in
 * permission_flags.ts) and the benchmark's default daemon command all pass them.
 *
 * Why: with V8's defaults the daemon's peak RSS reached 185 to 210 MB at 1024 ports, while a
 * full mark-compact after a storm leaves only about 18 MB alive (`--trace-gc`). The rest was
 * room V8 kept for garbage: 16 MB semi-spaces (the young generation takes three) and an old
 * generation allowed to grow to about 90 MB of promoted garbage before it was marked.
 * - `--max-semi-space-size=4` (MB): the daemon's garbage lives for one batch, so small
 *   semi-spaces are enough. With the old-space limit, 4 MB costs the same peak RSS as 1 MB
 *   (within 2 MB) and scavenges less often. In four interleaved comparisons at 1024 ports
 *   (bench/RESULTS.md, rounds 2 and 3), its storm CPU per STATE_DB write was 2 to 10 % lower.
 *   8 MB measured 7 to 8 MB more peak RSS, and its CPU was not steadily lower.
 * - `--max-old-space-size=64` (MB): about 3.5 times the live heap measured at 1024 ports, so
 *   V8 marks sooner instead of growing. A heap that reached the limit would make V8 abort the
 *   process (the service manager then restarts it), so the limit keeps a wide margin: 48 MB
 *   saved only 4 to 5 MB more, and 96 MB measured the same RSS and CPU as 64 MB.
 *
 * Cost, measured with `bench/e2e.ts` at 1024 ports on a loaded 2-vCPU machine: peak RSS 105 to
 * 120 MB instead of 140 to 215 MB, single-change latency unchanged, but storm CPU per STATE_DB
 * write 10 to 35 % higher (more frequent marking) than without the old-space limit. No setting
 * reaches the 80 MB target: about 48 MB of the RSS is the mapped `deno` binary, and a bare
 * `deno eval` already has about 12 MB of anonymous memory. Drop the old-space limit to trade
 * RSS back for CPU.
 *
 * @module
 */

/** V8 options, one per entry, without the `--v8-flags=` prefix. */
export const V8_OPTIONS: readonly string[] = [
  "--max-semi-space-size=4",
  "--max-old-space-size=64",
];

/** The single Deno flag that passes {@linkcode V8_OPTIONS}, for `deno run` and `deno compile`. */
export const V8_FLAGS = `--v8-flags=${V8_OPTIONS.join(",")}`;
