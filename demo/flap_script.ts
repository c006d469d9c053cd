/**
 * The scripted port changes of the demo, as `ip` commands and the STATE_DB row each one
 * should lead to.
 *
 * @module
 */

import { peerName } from "../tests/support/netns.ts";
import type { PortRow } from "./port_table.ts";

/** MTU of every port in CONFIG_DB and on the veths, in bytes (SONiC's default 9100). */
export const DEMO_MTU = 9100;

/** MTU the script sets for a while, in bytes. */
const CHANGED_MTU = 1500;

/** One scripted change. */
export interface FlapStep {
  /** Description of the change, in words for a newcomer. */
  description: string;
  /** Commands for `ip -n <namespace> -batch -`. */
  commands: string[];
  /** Port whose STATE_DB row the step changes. */
  port: string;
  /** Fields the row has once the daemon caught up, or `absent` when the row is gone. */
  expect: Partial<Omit<PortRow, "port">> | "absent";
}

/**
 * Builds the `ip` commands that create one port the way orchagent's host interface does:
 * a veth whose peer plays the cable's far end, both ends at {@linkcode DEMO_MTU} and up.
 *
 * @param name Front-panel port name, e.g. `Ethernet0`.
 * @returns Commands for `ip -batch`.
 */
export function createPortCommands(name: string): string[] {
  const peer = peerName(name);
  return [
    `link add ${name} mtu ${DEMO_MTU} type veth peer name ${peer} mtu ${DEMO_MTU}`,
    `link set ${peer} up`,
    `link set ${name} up`,
  ];
}

/**
 * Builds the flap script for the given ports: a cable pull and plug, an admin down and up,
 * an MTU change and its undo, and a port deleted and created again. The steps use the
 * second to fifth port (`Ethernet4` to `Ethernet16`); with fewer than five ports, indexes
 * wrap around.
 *
 * @param ports Port names in creation order, at least one.
 * @returns Eight steps; after the last one every port is back to {@linkcode finalRow}.
 * @throws {RangeError} When `ports` is empty.
 */
export function buildFlapScript(ports: readonly string[]): FlapStep[] {
  if (ports.length === 0) {
    throw new RangeError("Build the flap script failed: no ports; pass at least one port name");
  }
  const pick = (index: number) => ports[index % ports.length]!;
  const cable = pick(1);
  const admin = pick(2);
  const mtu = pick(3);
  const gone = pick(4);
  return [
    {
      description: `Pull the cable of ${cable}: its peer ${peerName(cable)} goes down`,
      commands: [`link set ${peerName(cable)} down`],
      port: cable,
      expect: { admin: "up", oper: "down" },
    },
    {
      description: `Plug the cable of ${cable} back: ${peerName(cable)} up`,
      commands: [`link set ${peerName(cable)} up`],
      port: cable,
      expect: { admin: "up", oper: "up" },
    },
    {
      description: `Shut ${admin} down (admin down, as orchagent does on "config interface ` +
        `shutdown")`,
      commands: [`link set ${admin} down`],
      port: admin,
      expect: { admin: "down", oper: "down" },
    },
    {
      description: `Start ${admin} again (admin up)`,
      commands: [`link set ${admin} up`],
      port: admin,
      expect: { admin: "up", oper: "up" },
    },
    {
      description: `Set the MTU of ${mtu} to ${CHANGED_MTU}`,
      commands: [`link set ${mtu} mtu ${CHANGED_MTU}`],
      port: mtu,
      expect: { mtu: String(CHANGED_MTU) },
    },
    {
      description: `Set the MTU of ${mtu} back to ${DEMO_MTU}`,
      commands: [`link set ${mtu} mtu ${DEMO_MTU}`],
      port: mtu,
      expect: { mtu: String(DEMO_MTU) },
    },
    {
      description: `Delete the netdev ${gone} (its STATE_DB row goes away)`,
      commands: [`link del ${gone}`],
      port: gone,
      expect: "absent",
    },
    {
      description: `Create ${gone} again, up, MTU ${DEMO_MTU}`,
      commands: createPortCommands(gone),
      port: gone,
      expect: { state: "ok", admin: "up", oper: "up", mtu: String(DEMO_MTU) },
    },
  ];
}

/**
 * Builds the STATE_DB row that every port has after start-up and again after the script.
 *
 * @param port Port name.
 */
export function finalRow(port: string): PortRow {
  return { port, state: "ok", admin: "up", oper: "up", mtu: String(DEMO_MTU) };
}

/**
 * Tells whether a snapshot shows the outcome of a step.
 *
 * @param step The step.
 * @param rows Current STATE_DB rows.
 */
export function stepDone(step: FlapStep, rows: readonly PortRow[]): boolean {
  const row = rows.find((candidate) => candidate.port === step.port);
  if (step.expect === "absent") return row === undefined;
  if (row === undefined) return false;
  return Object.entries(step.expect).every(([field, value]) =>
    row[field as keyof PortRow] === value
  );
}
