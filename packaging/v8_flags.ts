/**
 * The V8 heap limits of the daemon, in one place: `deno task start` (deno.json, checked by
 * v8_flags_test.ts), the shipped launcher and compiled binary (through `RUNTIME_FLAGS` in
 * permission_flags.ts) and the benchmark's default daemon command all pass them.
 *
 * Why: with V8's defaults the daemon's peak RSS reached 185 to 210 MB at 1024 ports, while a
 * full mark-compact after a storm leaves only 9 to 10 MB alive (`--trace-gc`, shipped bundle).
 * The rest was room V8 kept for garbage: 16 MB semi-spaces (the young generation takes three)
 * and an old generation allowed to grow to about 90 MB of promoted garbage before marking.
 * - `--max-semi-space-size=2` (MB): the daemon's garbage lives for one batch, so small
 *   semi-spaces are enough. At 1024 ports 2 MB peaked 3 to 5 MB below 4 MB, and 1 MB another
 *   1 to 3 MB lower but with up to 15 % more CPU per write (bench/RESULTS.md, round 4).
 * - `--max-old-space-size=28` (MB): about 3 times the live heap at 1024 ports, so V8 marks
 *   sooner instead of growing. A heap that reached the limit would make V8 abort the process
 *   (the service manager then restarts it), so the limit keeps a margin: at 4096 ports the
 *   heap after a mark-compact was 14 to 19 MB (`--trace-gc`, storms included). Against 32 MB,
 *   28 MB lowered peak RSS at 1024 ports by about 3 MB (74 to 77 MB in three runs, 75 to
 *   83 MB with 32) at the same CPU per write (bench/RESULTS.md, round 5).
 * - `--heap-growing-percent=50`: the old generation may grow to 1.5 times what the last
 *   mark-compact left alive before the next one, instead of V8's larger factor for small heaps.
 *   Two interleaved pairs at 1024 ports measured 1 to 4 MB less peak RSS and the same CPU.
 *   `--optimize-for-size` saved 6 MB more but cost 5 to 15 % CPU per write, so it is left out.
 * - `--max-opt=2`: V8 optimizes with Maglev but not TurboFan. TurboFan's code in the `deno`
 *   binary is then never paged in, which saves about 3 MB of RSS; storm CPU per STATE_DB write
 *   was not measurably higher.
 *
 * Cost and gain, measured with `bench/e2e.ts` on the bundle at 1024 ports: peak RSS 72 to 79 MB
 * (29 of 30 runs; one reached 86 MB, cause unknown) instead of 84 to 85 MB with the earlier
 * 4 MB / 64 MB limits and 140 to 215 MB without limits.
 * About 39 MB of it is the mapped `deno` binary and 17 MB the anonymous memory of an idle daemon.
 * Drop the old-space limit to trade RSS back for CPU.
 *
 * @module
 */

/** V8 options, one per entry, without the `--v8-flags=` prefix. */
export const V8_OPTIONS: readonly string[] = [
  "--max-semi-space-size=2",
  "--max-old-space-size=28",
  "--heap-growing-percent=50",
  "--max-opt=2",
];

/** The single Deno flag that passes {@linkcode V8_OPTIONS}, for `deno run` and `deno compile`. */
export const V8_FLAGS = `--v8-flags=${V8_OPTIONS.join(",")}`;
