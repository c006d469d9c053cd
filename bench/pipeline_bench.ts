/**
 * Cost of the decision pipeline per link message, without Redis: LinkFilter, PortStateStore,
 * a whole PortSync batch with in-memory APPL_DB and STATE_DB, and the log line.
 *
 * @module
 */

import type { LogRecord } from "@logtape/logtape";
import { formatRecord } from "../src/logging/format_line.ts";
import type { LinkEvent } from "../src/sync/link_event.ts";
import { LinkFilter } from "../src/sync/link_filter.ts";
import { PortStateStore } from "../src/sync/port_state_store.ts";
import { PortSync } from "../src/sync/port_sync.ts";

const PORTS = 1024;
const BATCH = 256;

function event(index: number): LinkEvent {
  return {
    op: "new",
    name: `Ethernet${(index % PORTS) * 4}`,
    ifindex: 10 + (index % PORTS),
    family: 0,
    admin: index % 2 === 0,
    oper: false,
    mtu: 9100,
    master: 0,
    kind: "veth",
    fromDump: false,
  };
}

const events = Array.from({ length: 4 * PORTS }, (_, index) => event(index));
const names = new Set(events.map((item) => item.name));

const filter = new LinkFilter();
const store = new PortStateStore();
let next = 0;
Deno.bench("decide and store one message", { group: "pipeline", baseline: true }, () => {
  const item = events[next++ % events.length]!;
  for (const decision of filter.decide(item)) {
    if (decision.action === "set") store.set(decision.name, decision.status);
  }
  if (store.pendingCount >= PORTS) {
    store.take();
    store.confirm();
  }
});

const sync = new PortSync({
  filter: new LinkFilter(),
  store: new PortStateStore(),
  appl: {
    existing: (wanted) => Promise.resolve(new Set(wanted.filter((name) => names.has(name)))),
  },
  state: { write: () => Promise.resolve() },
  announcePortInitDone: () => Promise.resolve(),
  pendingPorts: new Set(),
});
let batchStart = 0;
Deno.bench(`PortSync batch of ${BATCH} messages`, { group: "batch" }, async () => {
  const batch = events.slice(batchStart, batchStart + BATCH);
  batchStart = (batchStart + BATCH) % events.length;
  await sync.handleEvents(batch);
});

const record: LogRecord = {
  category: ["portsyncd", "link"],
  level: "info",
  message: ["Link message"],
  rawMessage: "Link message",
  timestamp: 0,
  properties: {
    type: "RTM_NEWLINK",
    name: "Ethernet124",
    ifindex: 42,
    admin: "up",
    oper: "down",
    mtu: 9100,
    master: 0,
    kind: "veth",
    family: undefined,
    dump: undefined,
    outcome: "set",
  },
};
Deno.bench("format one link log line", { group: "log" }, () => {
  formatRecord(record);
});
