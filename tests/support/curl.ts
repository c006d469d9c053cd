/**
 * Runs curl the way the metrics tests fetch from the daemon's server, and splits its output.
 *
 * @module
 */

/** Result of one curl run: exit code, HTTP status, body and stderr. */
export interface CurlResult {
  code: number;
  httpStatus: string;
  body: string;
  stderr: string;
}

/**
 * Runs `program` with `args`, where `args` invoke curl with `-o - -w "\n%{http_code}"` as
 * {@link curlOutputArgs} gives, and returns the body and the HTTP status apart. `program` is
 * `curl` itself or `ip` for `ip netns exec NS curl ...`.
 */
export async function runCurl(program: string, args: string[]): Promise<CurlResult> {
  const output = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" })
    .output();
  const stdout = new TextDecoder().decode(output.stdout);
  const cut = stdout.lastIndexOf("\n");
  return {
    code: output.code,
    body: stdout.slice(0, cut),
    httpStatus: stdout.slice(cut + 1),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** Returns curl's arguments that print the body, then a line with the HTTP status, in 5 s at most. */
export function curlOutputArgs(): string[] {
  return ["-sS", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}"];
}
