/**
 * Bad configuration through the command line: syntax errors, wrong types and out-of-range
 * values exit 1 with a precise message before any Redis command (a MONITOR recorder on the
 * configured server sees nothing); unknown keys are warnings and the daemon runs.
 */

import { assert, assertEquals, assertMatch } from "../assert.ts";
import {
  createNamespace,
  isolatedConfig,
  startDaemon,
  startRecorder,
  startRedis,
} from "../support/mod.ts";

interface BadCase {
  name: string;
  toml: string;
  /** Patterns the one error line must match; `PATH` stands for the file path. */
  expect: RegExp[];
}

const BAD_CASES: BadCase[] = [
  {
    name: "syntax error",
    toml: "[netlink]\nreceive_buffer_bytes = 65536\ndump_timeout_ms = = 3\n",
    expect: [/Failed to parse config file PATH at line 3, column \d+: /],
  },
  {
    name: "wrong type",
    toml: '[netlink]\nreceive_buffer_bytes = "large"\n',
    expect: [
      /Invalid value for netlink\.receive_buffer_bytes in PATH/,
      /got "large"/,
      /an integer from 4096 to 1073741824/,
    ],
  },
  {
    name: "out of range",
    toml: "[redis]\nreconnect_max_delay_ms = 60000\n",
    expect: [
      /Invalid value for redis\.reconnect_max_delay_ms in PATH/,
      /got 60000/,
      /from 100 to 5000/,
    ],
  },
  {
    name: "wrong choice",
    toml: '[logging]\nlevel = "LOUD"\n',
    expect: [/Invalid value for logging\.level in PATH: got "LOUD", expected one of EMERG/],
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

Deno.test("bad config exits before redis", async () => {
  const redis = await startRedis();
  const ns = await createNamespace("rb-cfg");
  const recorder = await startRecorder(redis, { keyspace: false });
  try {
    for (const badCase of BAD_CASES) {
      const path = `${redis.dir}/${badCase.name.replace(/ /g, "_")}.toml`;
      await Deno.writeTextFile(path, badCase.toml);
      const daemon = await startDaemon({
        namespace: ns,
        dbConfigPath: redis.dbConfigPath,
        configPath: path,
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const status = await Promise.race([
        daemon.exited,
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), 10000);
        }),
      ]);
      clearTimeout(timer);
      if (status === undefined) await daemon.stop();
      assert(status !== undefined, `${badCase.name}: still running after 10 s`);
      assertEquals(status.code, 1, `${badCase.name}: exit code`);
      const errorLines = daemon.lines.filter((line) => line.startsWith("portsyncd: "));
      assertEquals(errorLines.length, 1, `${badCase.name}: ${daemon.lines.join("\n")}`);
      for (const pattern of badCase.expect) {
        const withPath = new RegExp(pattern.source.replace("PATH", escapeRegExp(path)));
        assertMatch(errorLines[0]!, withPath, badCase.name);
      }
    }
    await recorder.sync();
    assertEquals(recorder.commands.map((command) => command.args), [], "Redis was touched");
  } finally {
    await recorder.stop();
    await ns.delete();
    await redis.stop();
  }
});

Deno.test("unknown config key warns", async () => {
  const redis = await startRedis();
  const ns = await createNamespace("rb-cfgw");
  try {
    const path = `${redis.dir}/unknown.toml`;
    await Deno.writeTextFile(
      path,
      "[netlink]\nreceive_bufer_bytes = 1\n[extra]\nkey = 2\n" + isolatedConfig(redis.dir),
    );
    const daemon = await startDaemon({
      namespace: ns,
      dbConfigPath: redis.dbConfigPath,
      configPath: path,
    });
    try {
      const warning = await daemon.waitForLine(/Unknown key netlink\.receive_bufer_bytes/, 5000);
      assertMatch(warning, /^\s*WARN /);
      await daemon.waitForLine(/Unknown section \[extra\]/, 1000);
      // The daemon goes on: it reaches Redis and waits for link events.
      await daemon.waitForLine(/Start mode/, 5000);
      const status = await daemon.stop();
      assertEquals(status.code, 0);
      assert(!daemon.lines.some((line) => line.startsWith("portsyncd: ")), "error printed");
    } finally {
      await daemon.stop();
    }
  } finally {
    await ns.delete();
    await redis.stop();
  }
});
