import manifest from "../../deno.json" with { type: "json" };

/** Version of portsyncd, from deno.json, the one place it is set. */
export const VERSION: string = manifest.version;
