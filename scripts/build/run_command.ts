/**
 * Runs a build step's program and fails with its output when it does not succeed.
 *
 * @module
 */

/** Output of a finished program. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs `program` with `args` and returns its output.
 *
 * @throws {Error} When the program exits with a non-zero status; the message holds its
 * standard error.
 */
export async function runCommand(
  program: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<CommandOutput> {
  const output = await new Deno.Command(program, {
    args,
    env: options.env,
    cwd: options.cwd,
    stdin: "null",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) {
    throw new Error(
      `Run ${program} ${args.join(" ")} failed with exit code ${output.code}:\n${stderr}${stdout}`,
    );
  }
  return { stdout, stderr };
}

/** Repository root: two folders above this file (`scripts/build/`). */
export const REPO_ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** Prints one line of a build script's result on stdout, or on stderr when `error` is set. */
export function report(line: string, error = false): void {
  (error ? Deno.stderr : Deno.stdout).writeSync(new TextEncoder().encode(`${line}\n`));
}
