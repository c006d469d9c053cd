/**
 * Builds the Debian package, checks it with dpkg-deb and lintian, installs it with `dpkg -i`
 * into a throw-away root, runs the installed daemon there, and purges it again.
 *
 * The throw-away root is an empty dpkg database plus the host's shared libraries bind-mounted
 * read-only (`/lib` is a real folder there: dpkg would remove a `/lib` symlink that no
 * package owns when it purges `/lib/systemd/system`) and a copy of `dash` as `/bin/sh` (debootstrap would need a mirror other than
 * the package index this machine reaches, and installing on the host itself would touch
 * system folders). Maintainer scripts run with `--force-script-chrootless`, so they must
 * honour `DPKG_ROOT`. The daemon runs under `chroot` in a private mount namespace inside a
 * test network namespace, so it sees the package's own `/usr/bin/portsyncd`,
 * `/etc/sonic/portsyncd.toml` and SONiC's default Redis socket path, and no mount outlives it.
 *
 * @module
 */

import { assert, assertEquals, assertMatch } from "../assert.ts";
import { startRedis } from "../support/mod.ts";
import { buildPackage, PACKAGE_NAME, type PackageForm } from "../../scripts/build/build_package.ts";
import { runCommand } from "../../scripts/build/run_command.ts";
import { VERSION } from "../../src/cli/version.ts";
import { buildDatabaseConfig } from "../support/database_config.ts";
import { runColdStartCheck } from "./cold_start_check.ts";

/** Host folders that the chroot borrows read-only: shared libraries and the loader. */
const LIBRARY_DIRS = [
  "usr/lib/x86_64-linux-gnu",
  "lib/x86_64-linux-gnu",
  "lib64",
  "proc",
  "dev",
];

/** Sets up the mounts of one chroot run, then execs the installed program. */
const CHROOT_SCRIPT = `set -e
root=$1 redis=$2
shift 2
for dir in ${LIBRARY_DIRS.join(" ")}; do
  mount --bind -o ro "/$dir" "$root/$dir"
done
mount --bind "$redis" "$root/run/redis"
exec chroot "$root" "$@"
`;

/** Runs `program` with `args` inside the throw-away root, in a private mount namespace. */
function inRoot(root: string, redisDir: string, program: string, ...args: string[]): string[] {
  return [
    "unshare",
    "--mount",
    "--propagation",
    "private",
    "sh",
    "-c",
    CHROOT_SCRIPT,
    "sh",
    root,
    redisDir,
    program,
    ...args,
  ];
}

/** Lays out an empty dpkg database and the mount points of a minimal merged-/usr system. */
async function makeRoot(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "portsyncd-root-" });
  for (const dir of ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"]) {
    await Deno.mkdir(`${root}/${dir}`, { recursive: true });
  }
  await Deno.writeTextFile(`${root}/var/lib/dpkg/status`, "");
  await Deno.writeTextFile(`${root}/var/lib/dpkg/available`, "");
  for (const dir of [...LIBRARY_DIRS, "usr/bin", "run/redis", "etc", "tmp", "var/cache"]) {
    await Deno.mkdir(`${root}/${dir}`, { recursive: true });
  }
  await Deno.symlink("usr/bin", `${root}/bin`);
  await Deno.symlink("../run", `${root}/var/run`);
  await Deno.copyFile("/usr/bin/dash", `${root}/usr/bin/sh`);
  await Deno.chmod(`${root}/usr/bin/sh`, 0o755);
  await Deno.copyFile("/etc/ld.so.cache", `${root}/etc/ld.so.cache`);
  return root;
}

/** Every path below `root`, except dpkg's own database and log. */
async function listTree(root: string): Promise<string[]> {
  const { stdout } = await runCommand("find", [".", "-mindepth", "1"], { cwd: root });
  return stdout.split("\n").filter((path) =>
    path !== "" && !path.startsWith("./var/lib/dpkg") && !path.startsWith("./var/log")
  ).sort();
}

/** Removes the throw-away root, after making sure no bind mount into the host is left. */
async function removeRoot(root: string): Promise<void> {
  const mounts = await Deno.readTextFile("/proc/self/mountinfo");
  if (mounts.split("\n").some((line) => line.split(" ")[4]?.startsWith(`${root}/`))) {
    throw new Error(`Remove ${root} failed: a mount below it is still active; unmount it first`);
  }
  await Deno.remove(root, { recursive: true });
}

/** Runs dpkg on the throw-away root with maintainer scripts run outside a chroot. */
async function dpkg(root: string, ...args: string[]): Promise<string> {
  const { stdout } = await runCommand("dpkg", [
    `--root=${root}`,
    "--force-script-chrootless",
    "--force-depends",
    "--log=/dev/null",
    ...args,
  ]);
  return stdout;
}

/** Paths that every form of the package must contain. */
const EXPECTED_FILES = [
  "./usr/bin/portsyncd",
  "./etc/sonic/portsyncd.toml",
  "./lib/systemd/system/portsyncd.service",
  "./usr/share/man/man8/portsyncd.8.gz",
  "./usr/share/doc/portsyncd/copyright",
  "./usr/share/doc/portsyncd/changelog.gz",
  "./usr/share/doc/portsyncd/sonic-container.md",
  "./usr/share/portsyncd/supervisord/portsyncd.conf",
];

async function checkPackage(form: PackageForm): Promise<void> {
  const deb = await buildPackage(form);

  const { stdout: listing } = await runCommand("dpkg-deb", ["--contents", deb]);
  const files = listing.split("\n").map((line) => line.split(/\s+/)[5]).filter(Boolean);
  for (const path of EXPECTED_FILES) assert(files.includes(path), `${path} missing in ${deb}`);
  if (form === "bundle") {
    assert(files.includes("./usr/lib/portsyncd/deno"), "runtime missing");
    assert(files.includes("./usr/lib/portsyncd/portsyncd.js"), "bundle missing");
  }
  const { stdout: fields } = await runCommand("dpkg-deb", [
    "--field",
    deb,
    "Package",
    "Version",
    "Architecture",
  ]);
  assertEquals(fields, `Package: ${PACKAGE_NAME}\nVersion: ${VERSION}\nArchitecture: amd64\n`);
  const { stdout: conffiles } = await runCommand("dpkg-deb", ["--info", deb, "conffiles"]);
  assertEquals(conffiles, "/etc/sonic/portsyncd.toml\n");

  const lintian = await new Deno.Command("lintian", {
    args: ["--fail-on", "error", "--no-tag-display-limit", deb],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const lintianOutput = new TextDecoder().decode(lintian.stdout);
  assert(lintian.success, `lintian reported errors:\n${lintianOutput}`);
  assert(!/^E: /m.test(lintianOutput), `lintian reported errors:\n${lintianOutput}`);

  const root = await makeRoot();
  const redis = await startRedis();
  try {
    // Stands in for the C++ daemon of the swss package; it must come back after the purge.
    const original = "#!/bin/sh\necho swss portsyncd\n";
    await Deno.writeTextFile(`${root}/usr/bin/portsyncd`, original, { mode: 0o755 });
    const before = await listTree(root);

    await dpkg(root, "--install", deb);
    assertEquals(
      await Deno.readTextFile(`${root}/usr/bin/portsyncd.swss`),
      original,
      "diverted C++ daemon",
    );
    assert((await Deno.stat(`${root}/var/lib/sonic/portsyncd`)).isDirectory, "state folder");

    const [program, ...args] = inRoot(root, redis.dir, "/usr/bin/portsyncd", "--version");
    const { stdout: version } = await runCommand(program!, args);
    assertMatch(version, new RegExp(`^portsyncd ${VERSION.replaceAll(".", "\\.")} \\(Deno \\d`));

    const dbConfig = buildDatabaseConfig("/var/run/redis/redis.sock");
    await Deno.mkdir(`${redis.dir}/sonic-db`);
    await Deno.writeTextFile(
      `${redis.dir}/sonic-db/database_config.json`,
      JSON.stringify(dbConfig),
    );
    const lines = await runColdStartCheck(redis, {
      command: inRoot(root, redis.dir, "/usr/bin/portsyncd"),
      dbConfigPath: "/var/run/redis/sonic-db/database_config.json",
    });
    assert(!lines.some((line) => /NotCapable|--allow-/.test(line)), lines.join("\n"));

    await dpkg(root, "--purge", PACKAGE_NAME);
    assertEquals(await listTree(root), before, "files left after purge");
    assertEquals(await Deno.readTextFile(`${root}/usr/bin/portsyncd`), original);
  } finally {
    await redis.stop();
    await removeRoot(root);
  }
}

Deno.test("package bundle installs and purges", async () => {
  await checkPackage("bundle");
});

Deno.test({
  name: "package compiled installs and purges",
  ignore: Deno.env.get("DENORT_BIN") === undefined,
  fn: async () => {
    await checkPackage("compiled");
  },
});
