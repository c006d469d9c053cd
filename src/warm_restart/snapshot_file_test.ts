import { assert, assertEquals, assertMatch, assertRejects } from "../../tests/assert.ts";
import {
  canonicalJson,
  decodeSnapshot,
  encodeSnapshot,
  type PortSnapshot,
  SnapshotFormatError,
} from "./port_snapshot.ts";
import { SnapshotFile } from "./snapshot_file.ts";

const SAVED_AT = Date.parse("2026-03-01T10:00:00.000Z");

function sample(): PortSnapshot {
  return {
    savedAt: SAVED_AT,
    ports: new Map([
      ["Ethernet4", {
        name: "Ethernet4",
        ifindex: 31,
        admin: true,
        oper: false,
        mtu: 9100,
        writtenAt: SAVED_AT - 500,
      }],
      ["Ethernet0", {
        name: "Ethernet0",
        ifindex: 30,
        admin: true,
        oper: true,
        mtu: undefined,
        writtenAt: SAVED_AT - 1000,
      }],
    ]),
  };
}

async function withFolder(fn: (folder: string) => Promise<void>): Promise<void> {
  const folder = await Deno.makeTempDir({ prefix: "portsyncd-snapshot-" });
  try {
    await fn(folder);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

Deno.test("snapshot round trip keeps ports", async () => {
  const decoded = await decodeSnapshot(await encodeSnapshot(sample()));
  assertEquals(decoded, sample());
});

Deno.test("snapshot canonical JSON sorts keys", () => {
  assertEquals(
    canonicalJson({ b: [1, { d: 2, c: "x" }], a: null }),
    '{"a":null,"b":[1,{"c":"x","d":2}]}',
  );
});

Deno.test("snapshot decode rejects bad input", async (t) => {
  const good = JSON.parse(await encodeSnapshot(sample()));
  const cases: Array<[string, string, RegExp]> = [
    ["truncated", (await encodeSnapshot(sample())).slice(0, 60), /^not valid JSON/],
    ["older version", JSON.stringify({ ...good, version: 0 }), /^format version 0, expected 1$/],
    [
      "changed value",
      JSON.stringify({ ...good, body: { ...good.body, saved_at: "2026-03-01T10:00:01.000Z" } }),
      /^checksum mismatch/,
    ],
    ["array", "[]", /^top level is not a JSON object$/],
  ];
  for (const [name, text, reason] of cases) {
    await t.step(name, async () => {
      const error = await assertRejects(() => decodeSnapshot(text), SnapshotFormatError);
      assertMatch(error.reason, reason);
    });
  }
});

Deno.test("snapshot file write then load", async () => {
  await withFolder(async (folder) => {
    const file = new SnapshotFile(`${folder}/nested/deeper/port_state.json`);
    await file.write(sample());
    const result = await file.load();
    assert(result.ok, "expected the written snapshot to load");
    assertEquals(result.snapshot, sample());
    const names = [];
    for await (const entry of Deno.readDir(`${folder}/nested/deeper`)) names.push(entry.name);
    assertEquals(names, ["port_state.json"]);
  });
});

Deno.test("snapshot file missing is reported", async () => {
  await withFolder(async (folder) => {
    const result = await new SnapshotFile(`${folder}/port_state.json`).load();
    assertEquals(result, { ok: false, reason: "file does not exist", keptAs: undefined });
  });
});

Deno.test("snapshot file corrupt is kept aside", async () => {
  await withFolder(async (folder) => {
    const path = `${folder}/port_state.json`;
    const text = await encodeSnapshot(sample());
    await Deno.writeTextFile(path, text.replace('"Ethernet4"', '"Ethernet8"'));
    const file = new SnapshotFile(path, () => Date.parse("2026-03-01T10:00:02.345Z"));
    const result = await file.load();
    assert(!result.ok, "expected the corrupt snapshot to be rejected");
    assertMatch(result.reason, /^checksum mismatch/);
    assertEquals(result.keptAs, `${path}.bad-20260301T100002345Z`);
    assertEquals(
      await Deno.readTextFile(result.keptAs!),
      text.replace('"Ethernet4"', '"Ethernet8"'),
    );
    await assertRejects(() => Deno.stat(path), Deno.errors.NotFound);
  });
});

Deno.test("snapshot file unreadable is kept aside", async () => {
  await withFolder(async (folder) => {
    const path = `${folder}/port_state.json`;
    await Deno.mkdir(path);
    const result = await new SnapshotFile(path, () => 0).load();
    assert(!result.ok, "expected a folder in place of the file to be rejected");
    assertMatch(result.reason, /^unreadable: /);
    assertEquals(result.keptAs, `${path}.bad-19700101T000000000Z`);
    assert((await Deno.stat(result.keptAs!)).isDirectory);
  });
});

Deno.test("snapshot file write failure keeps old", async () => {
  await withFolder(async (folder) => {
    const path = `${folder}/port_state.json`;
    const file = new SnapshotFile(path);
    await file.write(sample());
    const before = await Deno.readTextFile(path);
    // A folder where the temporary file would go makes the open fail.
    await Deno.mkdir(`${folder}/.port_state.json.tmp-${Deno.pid}`);
    const changed = sample();
    changed.ports.delete("Ethernet0");
    await assertRejects(() => file.write(changed), Error);
    assertEquals(await Deno.readTextFile(path), before);
  });
});
