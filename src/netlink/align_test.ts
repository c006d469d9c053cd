import assert from "node:assert/strict";
import { nlaAlign, nlmsgAlign } from "./align.ts";

Deno.test("nlmsgAlign rounds up to four", () => {
  const cases: Array<[number, number]> = [[0, 0], [1, 4], [4, 4], [5, 8], [20, 20], [1_492, 1_492]];
  for (const [length, aligned] of cases) assert.equal(nlmsgAlign(length), aligned, `${length}`);
  // A bit-mask version would turn this into a negative number.
  assert.equal(nlmsgAlign(0xffff_fffd), 0x1_0000_0000);
});

Deno.test("nlaAlign rounds up to four", () => {
  const cases: Array<[number, number]> = [[4, 4], [5, 8], [10, 12], [14, 16], [16, 16]];
  for (const [length, aligned] of cases) assert.equal(nlaAlign(length), aligned, `${length}`);
});
