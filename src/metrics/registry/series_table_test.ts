import { assert, assertEquals } from "../../../tests/assert.ts";
import { SeriesTable } from "./series_table.ts";

Deno.test("table reuses series handles", () => {
  let made = 0;
  const table = new SeriesTable("x", ["type", "outcome"], () => ({ id: ++made }));
  const first = table.get("RTM_NEWLINK", "decoded");
  assert(table.get("RTM_NEWLINK", "decoded") === first, "same values, other handle");
  table.get("RTM_NEWLINK", "stale");
  table.get("RTM_DELLINK", "decoded");
  assertEquals([made, table.size], [3, 3]);
  assertEquals(table.delete(["RTM_NEWLINK", "decoded"]), true);
  assertEquals(table.delete(["RTM_NEWLINK", "decoded"]), false);
  assertEquals(table.get("RTM_NEWLINK", "decoded").id, 4);
  assertEquals([...table.entries()].map((entry) => entry.pairs), [
    'type="RTM_NEWLINK",outcome="stale"',
    'type="RTM_DELLINK",outcome="decoded"',
    'type="RTM_NEWLINK",outcome="decoded"',
  ]);
  table.delete(["RTM_DELLINK", "decoded"]);
  assertEquals(table.get("RTM_DELLINK", "decoded").id, 5);
  table.clear();
  assertEquals(table.size, 0);
});
