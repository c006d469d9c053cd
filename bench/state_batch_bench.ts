/**
 * STATE_DB batch writes: building the fields of one operation, and one MULTI/EXEC of a
 * 256-port batch against a private `redis-server` (started here, removed at unload).
 *
 * @module
 */

import { StatePortTable } from "../src/daemon/redis_port_tables.ts";
import type { StateOperation } from "../src/sync/port_state_store.ts";
import { stateFields } from "../src/sync/port_status.ts";
import { startRedis } from "../tests/support/redis_server.ts";

const BATCH = 256;

const operations: StateOperation[] = Array.from({ length: BATCH }, (_, index) => ({
  op: "set",
  name: `Ethernet${index * 4}`,
  status: { ifindex: 10 + index, admin: index % 2 === 0, oper: false, mtu: 9100 },
}));

Deno.bench("fields of one STATE_DB operation", { group: "encode" }, () => {
  stateFields({ ifindex: 12, admin: true, oper: false, mtu: 9100 }).flat();
});

const redis = await startRedis();
const client = redis.client("STATE_DB");
globalThis.addEventListener("unload", () => {
  client.disconnect();
  try {
    Deno.kill(redis.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
  Deno.removeSync(redis.dir, { recursive: true });
});
const table = new StatePortTable(await redis.daemonClient("STATE_DB"), "|");

Deno.bench(`MULTI of ${BATCH} HSET to redis-server`, { group: "redis" }, async () => {
  await table.write(operations);
});

Deno.bench("MULTI of 1 HSET to redis-server", { group: "redis", baseline: true }, async () => {
  await table.write(operations.slice(0, 1));
});
