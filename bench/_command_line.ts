// deno-lint-ignore-file no-console -- usage and option errors go to the terminal
/**
 * Command-line handling shared by the benchmark scripts.
 *
 * @module
 */

/**
 * Parses `args` with `parse`. Prints `usage` and exits with status 0 on `--help` or `-h`, and
 * prints the error of an invalid option on one line.
 *
 * @returns The options, or undefined after an invalid option: exit with status 2 then.
 */
export function readOptions<T>(
  args: string[],
  usage: string,
  parse: (args: string[]) => T,
): T | undefined {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    Deno.exit(0);
  }
  try {
    return parse(args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return undefined;
  }
}
