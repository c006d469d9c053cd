/**
 * `deno task compile`: builds `dist/portsyncd`, one executable holding the Deno runtime
 * (`denort`), the bundle from `deno task bundle`, and the permission flags of
 * `packaging/permission_flags.ts`.
 *
 * `deno compile` takes the runtime from `DENORT_BIN` when it is set, otherwise from its cache
 * or from dl.deno.land. The npm `deno` package ships only the full CLI, which cannot serve as
 * the runtime (it ignores an appended program and starts its REPL).
 *
 * @module
 */

import { PERMISSION_FLAGS, RUNTIME_FLAGS } from "../../packaging/permission_flags.ts";
import { bundle } from "./bundle.ts";
import { REPO_ROOT, report, runCommand } from "./run_command.ts";

/** Path of the executable, relative to the repository root. */
export const COMPILED_PATH = "dist/portsyncd";

/** Explains how to provide the runtime; ends every failure to get one. */
function runtimeHint(): string {
  return `set DENORT_BIN to the path of a denort binary of Deno ${Deno.version.deno} ` +
    `(denort-x86_64-unknown-linux-gnu.zip from the Deno ${Deno.version.deno} release), ` +
    "or build where dl.deno.land is reachable; without one, use deno task bundle and deno task package";
}

/**
 * Compiles the daemon into {@linkcode COMPILED_PATH} and checks its `--version`.
 *
 * @returns The absolute path of the executable.
 * @throws {Error} When `DENORT_BIN` names no executable file, when `deno compile` fails
 * (usually: no runtime could be had), or when the executable prints no version.
 */
export async function compile(): Promise<string> {
  const denort = Deno.env.get("DENORT_BIN");
  if (denort !== undefined) {
    const info = await Deno.stat(denort).catch(() => undefined);
    if (info === undefined || !info.isFile || ((info.mode ?? 0) & 0o111) === 0) {
      throw new Error(
        `Compile portsyncd failed: DENORT_BIN=${denort} is not an executable file; ${runtimeHint()}`,
      );
    }
  }
  const source = await bundle();
  const output = `${REPO_ROOT}/${COMPILED_PATH}`;
  try {
    await runCommand(Deno.execPath(), [
      "compile",
      "--quiet",
      "--target=x86_64-unknown-linux-gnu",
      ...RUNTIME_FLAGS.filter((flag) => flag !== "--no-prompt"),
      ...PERMISSION_FLAGS,
      "--no-prompt",
      `--output=${output}`,
      source,
    ], { cwd: REPO_ROOT });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Compile portsyncd failed: ${runtimeHint()}\n${reason}`, { cause: error });
  }
  const { stdout } = await runCommand(output, ["--version"], { cwd: "/" });
  if (!stdout.startsWith("portsyncd ")) {
    throw new Error(`Check ${output} failed: --version printed ${JSON.stringify(stdout)}`);
  }
  return output;
}

if (import.meta.main) {
  try {
    report(`Wrote ${await compile()}`);
  } catch (error) {
    report(error instanceof Error ? error.message : String(error), true);
    Deno.exit(1);
  }
}
