/**
 * The V8 heap limits of packaging/v8_flags.ts reach every way the daemon is started, and V8
 * applies them.
 */

import { assert, assertEquals } from "../assert.ts";
import { RUNTIME_FLAGS } from "../../packaging/permission_flags.ts";
import { V8_FLAGS, V8_OPTIONS } from "../../packaging/v8_flags.ts";
import { REPO_ROOT } from "../support/daemon.ts";

/** Upper bound of the old generation set by V8_OPTIONS, in MB. */
function oldSpaceLimitMb(): number {
  const option = V8_OPTIONS.find((flag) => flag.startsWith("--max-old-space-size="));
  assert(option !== undefined, "V8_OPTIONS sets --max-old-space-size");
  return Number(option.split("=")[1]);
}

Deno.test("v8 flags in every launcher", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/deno.json`)) as {
    tasks: Record<string, string>;
  };
  const start = config.tasks.start?.split(/\s+/) ?? [];
  assert(start.includes(V8_FLAGS), `deno task start passes ${V8_FLAGS}: ${config.tasks.start}`);
  assertEquals(RUNTIME_FLAGS.filter((flag) => flag === V8_FLAGS).length, 1);
});

Deno.test("v8 flags set heap limit", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      V8_FLAGS,
      'import v8 from "node:v8"; console.log(v8.getHeapStatistics().heap_size_limit)',
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(output.success, new TextDecoder().decode(output.stderr));
  const limitMb = Number(new TextDecoder().decode(output.stdout).trim()) / 1024 / 1024;
  // The limit is the old generation plus a few MB of young generation and code space.
  assert(
    limitMb >= oldSpaceLimitMb() && limitMb < oldSpaceLimitMb() + 16,
    `heap_size_limit ${limitMb.toFixed(1)} MB for --max-old-space-size=${oldSpaceLimitMb()}`,
  );
});
