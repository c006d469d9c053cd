/**
 * CONFIG_DB `PORT|<name>` entries of the simulated switch.
 *
 * @module
 */

import type { PortFields } from "../tests/support/sonic_fixtures.ts";
import { DEMO_MTU } from "./flap_script.ts";

/** Lanes per port: each 100G port uses four SerDes lanes, so names go Ethernet0, 4, 8... */
const LANES_PER_PORT = 4;

/**
 * Builds SONiC-like port entries: `Ethernet<4i>` with alias `etp<i+1>`, index `i+1`, four
 * lanes, 100G, MTU {@linkcode DEMO_MTU} and admin up.
 *
 * @param count Number of ports.
 * @returns Port name to CONFIG_DB fields, in port order.
 */
export function buildConfigPorts(count: number): Record<string, PortFields> {
  const ports: Record<string, PortFields> = {};
  for (let index = 0; index < count; index++) {
    const firstLane = index * LANES_PER_PORT;
    const lanes = Array.from({ length: LANES_PER_PORT }, (_, lane) => firstLane + lane);
    ports[`Ethernet${firstLane}`] = {
      alias: `etp${index + 1}`,
      index: String(index + 1),
      lanes: lanes.join(","),
      speed: "100000",
      mtu: String(DEMO_MTU),
      admin_status: "up",
    };
  }
  return ports;
}
