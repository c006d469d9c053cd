import { type RedisClient, toPairs } from "../redis/redis_client.ts";
import { PORT_TABLE } from "../sync/appl_port_table.ts";
import type { PortStatus } from "../sync/port_status.ts";

/**
 * Reads STATE_DB `PORT_TABLE|<name>` for each name with one pipelined HGETALL each. Names
 * without a hash are left out of the result.
 *
 * @throws {Error} When Redis fails; the caller retries.
 */
export async function readStatePorts(
  client: RedisClient,
  separator: string,
  names: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const found = new Map<string, Record<string, string>>();
  if (names.length === 0) return found;
  const pipeline = client.pipeline();
  for (const name of names) pipeline.hgetall(`${PORT_TABLE}${separator}${name}`);
  const replies = (await pipeline.exec()) ?? [];
  names.forEach((name, index) => {
    const [error, fields] = replies[index] ?? [
      new Error(
        `Failed to read STATE_DB ${PORT_TABLE}${separator}${name}: no reply; retry the read`,
      ),
      [],
    ];
    if (error) throw error;
    const pairs = toPairs(fields);
    if (pairs.length > 0) found.set(name, Object.fromEntries(pairs));
  });
  return found;
}

/**
 * Reads the four fields the daemon owns from a STATE_DB port hash. Returns undefined unless
 * `state` is `ok`, both statuses are `up` or `down` and `mtu` is absent or decimal: such an
 * entry was not (completely) written by this daemon, so it is rewritten at reconciliation.
 *
 * @param fields The whole hash, with fields of other daemons.
 * @param ifindex Ifindex to put in the status; STATE_DB does not store it.
 */
export function parseOwnedFields(
  fields: Readonly<Record<string, string>>,
  ifindex: number,
): PortStatus | undefined {
  const oper = fields.netdev_oper_status;
  const admin = fields.admin_status;
  if (fields.state !== "ok") return undefined;
  if ((oper !== "up" && oper !== "down") || (admin !== "up" && admin !== "down")) return undefined;
  const mtuText = fields.mtu;
  if (mtuText !== undefined && !/^\d{1,10}$/.test(mtuText)) return undefined;
  return {
    ifindex,
    admin: admin === "up",
    oper: oper === "up",
    mtu: mtuText === undefined ? undefined : Number(mtuText),
  };
}
