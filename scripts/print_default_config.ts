/**
 * Prints the commented default configuration, the file the Debian package installs as
 * `/etc/sonic/portsyncd.toml`.
 *
 * ```sh
 * deno task config:default > portsyncd.toml
 * ```
 *
 * @module
 */

import { renderDefaultConfig } from "../src/config/render_default_config.ts";

await Deno.stdout.write(new TextEncoder().encode(renderDefaultConfig()));
