/**
 * Redis seeds and reads shared by the scenario tests.
 *
 * CONFIG_DB ports are `PORT|<name>` hashes. "Visible" APPL_DB ports are final
 * `PORT_TABLE:<name>` hashes, the state left after orchagent has popped. STATE_DB ports are
 * `PORT_TABLE|<name>` hashes written by the daemon.
 *
 * @module
 */

import type { Redis } from "ioredis";

/** Fields of one port, as strings the way Redis stores them. */
export type PortFields = Record<string, string>;

/** Fixture P2: two 100G ports, admin up, MTU 9100. */
export const P2_PORTS: Readonly<Record<string, Readonly<PortFields>>> = {
  Ethernet0: {
    alias: "etp1",
    index: "1",
    lanes: "0,1,2,3",
    speed: "100000",
    mtu: "9100",
    admin_status: "up",
  },
  Ethernet4: {
    alias: "etp2",
    index: "2",
    lanes: "4,5,6,7",
    speed: "100000",
    mtu: "9100",
    admin_status: "up",
  },
};

/**
 * Writes one CONFIG_DB `PORT|<name>` hash per port with a single multi-field HSET each.
 *
 * @param configDb A client on CONFIG_DB.
 * @param ports Port name to fields.
 */
export async function seedConfigPorts(
  configDb: Redis,
  ports: Readonly<Record<string, Readonly<PortFields>>>,
): Promise<void> {
  for (const [name, fields] of Object.entries(ports)) {
    await configDb.hset(`PORT|${name}`, fields);
  }
}

/**
 * Writes final APPL_DB `PORT_TABLE:<name>` hashes directly, as if orchagent had already
 * popped them. Nothing is staged or published.
 *
 * @param applDb A client on APPL_DB.
 * @param names Port names.
 * @param fields Fields for every port, at least one (Redis has no empty hash).
 * @throws {RangeError} When `fields` is empty.
 */
export async function seedVisibleApplPorts(
  applDb: Redis,
  names: readonly string[],
  fields: Readonly<PortFields>,
): Promise<void> {
  if (Object.keys(fields).length === 0) {
    throw new RangeError(
      "Seed visible APPL_DB ports failed: fields is empty; pass at least one field",
    );
  }
  for (const name of names) await applDb.hset(`PORT_TABLE:${name}`, fields);
}

/**
 * Reads STATE_DB `PORT_TABLE|<name>`.
 *
 * @param stateDb A client on STATE_DB.
 * @param name Port name.
 * @returns The fields, or `undefined` when the key does not exist.
 */
export async function readStatePort(
  stateDb: Redis,
  name: string,
): Promise<PortFields | undefined> {
  const fields = await stateDb.hgetall(`PORT_TABLE|${name}`);
  return Object.keys(fields).length === 0 ? undefined : fields;
}
