/** The state of one port netdev that the daemon owns in STATE_DB `PORT_TABLE|<port>`. */
export interface PortStatus {
  ifindex: number;
  admin: boolean;
  oper: boolean;
  /** Kernel MTU; undefined until a message carried IFLA_MTU, and then never written. */
  mtu: number | undefined;
}

/**
 * Returns the STATE_DB fields for a port in the order the C++ daemon writes them: `state`,
 * `netdev_oper_status`, `admin_status`, `mtu`. Values are the lower-case strings that readers
 * compare against.
 */
export function stateFields(status: PortStatus): Array<[string, string]> {
  const flat = pushStateFields([], status);
  const fields: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) fields.push([flat[i]!, flat[i + 1]!]);
  return fields;
}

/**
 * Appends the fields of {@link stateFields} to `target` as field, value, field, value, in the
 * same order, and returns `target`. The STATE_DB writer builds each HSET with it.
 */
export function pushStateFields(target: string[], status: PortStatus): string[] {
  target.push(
    "state",
    "ok",
    "netdev_oper_status",
    status.oper ? "up" : "down",
    "admin_status",
    status.admin ? "up" : "down",
  );
  if (status.mtu !== undefined) target.push("mtu", String(status.mtu));
  return target;
}

/** Returns whether two statuses would produce the same STATE_DB fields. */
export function sameFields(a: PortStatus, b: PortStatus): boolean {
  return a.admin === b.admin && a.oper === b.oper && a.mtu === b.mtu;
}
