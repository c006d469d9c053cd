/**
 * `deno task bundle`: writes `dist/portsyncd.js`, the daemon and its npm dependencies
 * (LogTape, smol-toml) in one ES module that runs on the pinned Deno
 * runtime with no module cache and no network, then runs its `--version` as a smoke test.
 *
 * @module
 */

import { PERMISSION_FLAGS, RUNTIME_FLAGS } from "../../packaging/permission_flags.ts";
import { REPO_ROOT, report, runCommand } from "./run_command.ts";

/** Path of the bundle, relative to the repository root. */
export const BUNDLE_PATH = "dist/portsyncd.js";

/** Specifiers that must not survive bundling: the runtime would have to fetch them. */
const UNBUNDLED = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)["'](?:npm|jsr|https?):/;

/**
 * Bundles `main.ts` into {@linkcode BUNDLE_PATH} and checks that it is self-contained.
 *
 * @returns The absolute path of the bundle.
 * @throws {Error} When bundling fails, the output still imports a package, or the bundle
 * does not print its version under the shipped flags.
 */
export async function bundle(): Promise<string> {
  const output = `${REPO_ROOT}/${BUNDLE_PATH}`;
  await Deno.mkdir(`${REPO_ROOT}/dist`, { recursive: true });
  await runCommand(Deno.execPath(), [
    "bundle",
    "--quiet",
    "--platform=deno",
    "--packages=bundle",
    "--format=esm",
    "--frozen",
    `--output=${output}`,
    `${REPO_ROOT}/main.ts`,
  ], { cwd: REPO_ROOT });
  const text = await Deno.readTextFile(output);
  const leftover = text.match(UNBUNDLED);
  if (leftover) {
    throw new Error(
      `Check bundle ${output} failed: it still imports ${JSON.stringify(leftover[0])}; ` +
        "bundle that package or remove the import",
    );
  }
  const { stdout } = await runCommand(Deno.execPath(), [
    "run",
    ...RUNTIME_FLAGS,
    ...PERMISSION_FLAGS,
    output,
    "--version",
  ], { cwd: "/", env: { DENO_NO_UPDATE_CHECK: "1" } });
  if (!stdout.startsWith("portsyncd ")) {
    throw new Error(`Check bundle ${output} failed: --version printed ${JSON.stringify(stdout)}`);
  }
  return output;
}

if (import.meta.main) {
  const path = await bundle();
  report(`Wrote ${path}`);
}
