import { type RedisClient, toPairs } from "../redis/redis_client.ts";

/** Fields of one CONFIG_DB `PORT|<name>` entry, in the order Redis returned them. */
export type PortFields = Array<[string, string]>;

/**
 * Reads every CONFIG_DB `PORT|<name>` entry with KEYS and one pipelined HGETALL per key, as
 * swss-common's Table does: field names are cut at the first `@`, and keys keep KEYS order.
 */
export async function readConfigPorts(
  client: RedisClient,
  separator: string,
): Promise<Map<string, PortFields>> {
  const prefix = `PORT${separator}`;
  const keys = await client.keys(`${prefix}*`);
  const pipeline = client.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const replies = keys.length > 0 ? await pipeline.exec() : [];
  const ports = new Map<string, PortFields>();
  keys.forEach((key, index) => {
    const [error, hash] = replies?.[index] ?? [new Error("missing reply"), []];
    if (error) throw error;
    const fields: PortFields = toPairs(hash).map(([field, value]) => [cutAtSign(field), value]);
    ports.set(key.slice(prefix.length), fields);
  });
  return ports;
}

/** Reads `DEVICE_METADATA|localhost switch_type`; absent means `switch`. */
export async function readSwitchType(client: RedisClient, separator: string): Promise<string> {
  const value = await client.hget(`DEVICE_METADATA${separator}localhost`, "switch_type");
  return value === null ? "switch" : cutAtSign(value);
}

function cutAtSign(text: string): string {
  const at = text.indexOf("@");
  return at < 0 ? text : text.slice(0, at);
}
