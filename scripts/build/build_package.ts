/**
 * `deno task package`: builds `dist/portsyncd_<version>_amd64.deb` with `dpkg-deb`.
 *
 * Two forms of the daemon, chosen with `--form`:
 * - `bundle` (the default without `DENORT_BIN`): `/usr/lib/portsyncd/portsyncd.js` and the
 *   pinned `deno` binary beside it, started by the shell launcher `/usr/bin/portsyncd`.
 * - `compiled` (the default with `DENORT_BIN`): the `deno compile` executable as
 *   `/usr/bin/portsyncd`.
 *
 * Both carry the same permission flags (`packaging/permission_flags.ts`). The version is
 * deno.json's `version`, read by `src/cli/version.ts`.
 *
 * @module
 */

import { PERMISSION_FLAGS, RUNTIME_FLAGS } from "../../packaging/permission_flags.ts";
import { VERSION } from "../../src/cli/version.ts";
import { renderDefaultConfig } from "../../src/config/render_default_config.ts";
import { bundle } from "./bundle.ts";
import { compile } from "./compile.ts";
import { REPO_ROOT, report, runCommand } from "./run_command.ts";

/** How the daemon is shipped. */
export type PackageForm = "bundle" | "compiled";

/** Debian package name. */
export const PACKAGE_NAME = "portsyncd";

/** Maintainer field; also the changelog's signer. */
const MAINTAINER = "portsyncd maintainers <portsyncd@lists.sonic.invalid>";

/** Oldest glibc that the Deno runtime links against (its highest GLIBC_ symbol version). */
const MIN_GLIBC = "2.27";

/** Path of the package for `version`, relative to the repository root. */
export function packagePath(version = VERSION): string {
  return `dist/${PACKAGE_NAME}_${version}_amd64.deb`;
}

/**
 * Builds the package.
 *
 * @param form Which form of the daemon to ship.
 * @returns The absolute path of the `.deb`.
 * @throws {Error} When a build step fails; the message names the step.
 */
export async function buildPackage(form: PackageForm): Promise<string> {
  const root = `${REPO_ROOT}/dist/pkgroot`;
  await Deno.remove(root, { recursive: true }).catch(() => {});
  const put = async (path: string, data: string | Uint8Array, mode = 0o644) => {
    const target = `${root}/${path}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(target, data);
    else await Deno.writeFile(target, data);
    await Deno.chmod(target, mode);
  };
  const copy = async (from: string, path: string, mode = 0o644) =>
    await put(path, await Deno.readFile(from), mode);
  const packaging = `${REPO_ROOT}/packaging`;

  const runtimePath = form === "compiled" ? "usr/bin/portsyncd" : "usr/lib/portsyncd/deno";
  // Deno's prebuilt runtime links lcms2 statically, so it cannot use Debian's copy.
  await put(
    `usr/share/lintian/overrides/${PACKAGE_NAME}`,
    `${PACKAGE_NAME}: embedded-library lcms2 [${runtimePath}]\n`,
  );
  if (form === "compiled") {
    await copy(await compile(), runtimePath, 0o755);
  } else {
    await copy(await bundle(), "usr/lib/portsyncd/portsyncd.js");
    await copy(Deno.execPath(), runtimePath, 0o755);
    const launcher = await Deno.readTextFile(`${packaging}/launcher.sh`);
    const flags = [...RUNTIME_FLAGS, ...PERMISSION_FLAGS].map(shellQuote).join(" ");
    await put("usr/bin/portsyncd", launcher.replace("@FLAGS@", flags), 0o755);
  }

  await put("etc/sonic/portsyncd.toml", renderDefaultConfig());
  await copy(`${packaging}/systemd/portsyncd.service`, "lib/systemd/system/portsyncd.service");
  await copy(
    `${packaging}/supervisord/portsyncd.conf`,
    "usr/share/portsyncd/supervisord/portsyncd.conf",
  );
  for (const folder of ["prometheus", "grafana"]) {
    for (const file of await listFiles(`${packaging}/${folder}`)) {
      await copy(`${packaging}/${folder}/${file}`, `usr/share/portsyncd/${folder}/${file}`);
    }
  }
  const man = await Deno.readTextFile(`${packaging}/man/portsyncd.8`);
  await put("usr/share/man/man8/portsyncd.8.gz", await gzip(man.replaceAll("@VERSION@", VERSION)));
  const doc = `usr/share/doc/${PACKAGE_NAME}`;
  await copy(`${packaging}/debian/copyright`, `${doc}/copyright`);
  await put(`${doc}/changelog.gz`, await gzip(await changelog()));
  await copy(`${REPO_ROOT}/docs/sonic-container.md`, `${doc}/sonic-container.md`);

  for (const script of ["preinst", "postinst", "prerm", "postrm"]) {
    await copy(`${packaging}/debian/${script}`, `DEBIAN/${script}`, 0o755);
  }
  await put("DEBIAN/conffiles", "/etc/sonic/portsyncd.toml\n");
  await put("DEBIAN/control", await control(root));
  await put("DEBIAN/md5sums", await md5sums(root));

  const output = `${REPO_ROOT}/${packagePath()}`;
  await runCommand("dpkg-deb", ["-Zgzip", "--root-owner-group", "--build", root, output], {
    env: { SOURCE_DATE_EPOCH: String(await sourceDateEpoch()) },
  });
  await Deno.remove(root, { recursive: true });
  return output;
}

async function control(root: string): Promise<string> {
  const { stdout } = await runCommand("du", ["-sk", "--exclude=DEBIAN", root]);
  const installedKb = stdout.split("\t")[0];
  return [
    `Package: ${PACKAGE_NAME}`,
    `Version: ${VERSION}`,
    "Architecture: amd64",
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedKb}`,
    `Depends: libc6 (>= ${MIN_GLIBC}), libgcc-s1`,
    "Suggests: redis-server, supervisor",
    "Section: net",
    "Priority: optional",
    "Description: SONiC port synchronization daemon written for Deno",
    " portsyncd follows the kernel's netdevs over rtnetlink and keeps SONiC's",
    " APPL_DB and STATE_DB port tables in step with them. It replaces the C++",
    " daemon of the same name in the swss container, speaking the same Redis",
    " protocol. The package carries the daemon as one JavaScript bundle and the",
    " Deno runtime it runs on, or as one executable built with deno compile.",
    "",
  ].join("\n");
}

async function md5sums(root: string): Promise<string> {
  const { stdout } = await runCommand("sh", [
    "-c",
    "find . -path ./DEBIAN -prune -o -type f -print | LC_ALL=C sort | sed 's|^\\./||' | " +
    "xargs md5sum",
  ], { cwd: root });
  return stdout;
}

async function changelog(): Promise<string> {
  const date = new Date((await sourceDateEpoch()) * 1000).toUTCString().replace("GMT", "+0000");
  return [
    `${PACKAGE_NAME} (${VERSION}) unstable; urgency=medium`,
    "",
    `  * Release ${VERSION}; see the project's git history for the changes.`,
    "",
    ` -- ${MAINTAINER}  ${date}`,
    "",
  ].join("\n");
}

/** Time of the last commit, so that rebuilding the same commit gives the same package. */
async function sourceDateEpoch(): Promise<number> {
  const fromEnv = Deno.env.get("SOURCE_DATE_EPOCH");
  if (fromEnv !== undefined && /^\d+$/.test(fromEnv)) return Number(fromEnv);
  try {
    const { stdout } = await runCommand("git", ["log", "-1", "--format=%ct"], { cwd: REPO_ROOT });
    return Number(stdout.trim());
  } catch {
    return Math.floor(Date.now() / 1000);
  }
}

async function listFiles(folder: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (entry.isFile) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

/** Compresses `text` as `gzip -9n` does (no name or time stamp, as Debian policy asks). */
async function gzip(text: string): Promise<Uint8Array> {
  const child = new Deno.Command("gzip", { args: ["-9n"], stdin: "piped", stdout: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const result = await child.output();
  if (!result.success) throw new Error(`Compress with gzip -9n failed: exit code ${result.code}`);
  return result.stdout;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

if (import.meta.main) {
  const formArg = Deno.args.find((arg) => arg.startsWith("--form="))?.slice("--form=".length);
  const form = formArg ?? (Deno.env.get("DENORT_BIN") ? "compiled" : "bundle");
  if (form !== "bundle" && form !== "compiled") {
    report(`Invalid value for --form: ${JSON.stringify(form)}; use bundle or compiled`, true);
    Deno.exit(2);
  }
  try {
    report(`Wrote ${await buildPackage(form)}`);
  } catch (error) {
    report(error instanceof Error ? error.message : String(error), true);
    Deno.exit(1);
  }
}
