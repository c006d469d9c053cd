import { assertEquals } from "../../tests/assert.ts";
import type { PortStatus } from "../sync/port_status.ts";
import { SnapshotFile } from "./snapshot_file.ts";
import { SnapshotWriter } from "./snapshot_writer.ts";
import { createWarmRestartStats } from "./warm_restart_stats.ts";

const STATUS: PortStatus = { ifindex: 30, admin: true, oper: true, mtu: 9100 };

Deno.test("snapshot writer saves only changes", async () => {
  const folder = await Deno.makeTempDir({ prefix: "portsyncd-writer-" });
  const stats = createWarmRestartStats();
  const writer = new SnapshotWriter({
    file: new SnapshotFile(`${folder}/port_state.json`),
    intervalMs: 20,
    writtenPorts: () => new Map([["Ethernet0", STATUS]]),
    stats,
    now: () => Date.parse("2026-03-01T10:00:00.000Z"),
  });
  try {
    writer.start();
    await new Promise((resolve) => setTimeout(resolve, 70));
    assertEquals(stats.snapshotWrites, 0, "nothing changed, nothing written");
    writer.recordWritten([{ op: "set", name: "Ethernet0", status: STATUS }]);
    await new Promise((resolve) => setTimeout(resolve, 70));
    assertEquals(stats.snapshotWrites, 1);
    const loaded = await new SnapshotFile(`${folder}/port_state.json`).load();
    assertEquals(loaded.ok && [...loaded.snapshot.ports.values()], [{
      name: "Ethernet0",
      ...STATUS,
      writtenAt: Date.parse("2026-03-01T10:00:00.000Z"),
    }]);
  } finally {
    await writer.stop();
    await Deno.remove(folder, { recursive: true });
  }
  assertEquals(stats.snapshotWrites, 2, "stop writes once more");
});

Deno.test("snapshot writer survives write failure", async () => {
  const folder = await Deno.makeTempDir({ prefix: "portsyncd-writer-" });
  // A file where the snapshot folder should be makes every write fail.
  await Deno.writeTextFile(`${folder}/blocker`, "");
  const stats = createWarmRestartStats();
  const writer = new SnapshotWriter({
    file: new SnapshotFile(`${folder}/blocker/port_state.json`),
    intervalMs: 20,
    writtenPorts: () => new Map([["Ethernet0", STATUS]]),
    stats,
  });
  try {
    writer.start();
    writer.markDirty();
    await new Promise((resolve) => setTimeout(resolve, 90));
    await writer.stop();
    assertEquals(stats.snapshotWrites, 0);
    assertEquals(stats.snapshotWriteFailures >= 2, true, "retried after failing");
    assertEquals(writer.dirty, true);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("snapshot writer saves a burst once", async () => {
  const folder = await Deno.makeTempDir({ prefix: "portsyncd-writer-" });
  const stats = createWarmRestartStats();
  const writer = new SnapshotWriter({
    file: new SnapshotFile(`${folder}/port_state.json`),
    intervalMs: 40,
    writtenPorts: () => new Map([["Ethernet0", STATUS]]),
    stats,
  });
  try {
    writer.markDirty();
    await new Promise((resolve) => setTimeout(resolve, 60));
    assertEquals(stats.snapshotWrites, 0, "nothing is saved before start");
    writer.start();
    for (let i = 0; i < 5; i++) {
      writer.recordWritten([{ op: "set", name: "Ethernet0", status: STATUS }]);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assertEquals(stats.snapshotWrites, 1, "five changes within one interval, one write");
    assertEquals(writer.dirty, false);
  } finally {
    await writer.stop();
    await Deno.remove(folder, { recursive: true });
  }
});
