/**
 * Fuzz test: random truncations, bit flips, length-field rewrites and splices of the captured
 * fixtures must never make `decodeMessages` throw, and every error it reports must be a
 * `NetlinkDecodeError`. The seed is printed; run with `FUZZ_SEED=<seed>` and `--allow-env` to
 * replay a failure.
 */

import assert from "node:assert/strict";
import { NetlinkDecodeError } from "./decode_error.ts";
import { decodeMessages } from "./decode_messages.ts";
import { encodeLinkMessage } from "./encode_link_message.ts";
import { BRIDGE_PORT_DELLINK } from "./testdata/bridge_port_dellink.ts";
import { ACK_SET_LINK_DOWN, ENODEV_SET_LINK_DOWN } from "./testdata/error_replies.ts";
import { LINK_DUMP_DONE, LINK_DUMP_PART_1, LINK_DUMP_WITH_DONE } from "./testdata/link_dump.ts";
import { VETH_DELLINK } from "./testdata/veth_dellink.ts";
import { VETH_MASTER_NEWLINK } from "./testdata/veth_master_newlink.ts";

const CASES = 20_000;

const SEEDS: Uint8Array[] = [
  BRIDGE_PORT_DELLINK,
  ACK_SET_LINK_DOWN,
  ENODEV_SET_LINK_DOWN,
  LINK_DUMP_DONE,
  LINK_DUMP_PART_1,
  LINK_DUMP_WITH_DONE,
  VETH_DELLINK,
  VETH_MASTER_NEWLINK,
  encodeLinkMessage({
    type: 16,
    headerFlags: 2,
    sequence: 1,
    portId: 0,
    family: 0,
    deviceType: 1,
    index: 9,
    flags: 0x11043,
    change: 0,
    name: "PortChannel1",
    mtu: 9100,
    master: 3,
    operState: 6,
    address: Uint8Array.of(2, 0, 0, 0, 0, 1),
    linkKind: "team",
  }),
];

/** Length values that sit on the checks' edges, for rewriting nlmsg_len and nla_len. */
const EDGE_LENGTHS = [0, 1, 3, 4, 5, 8, 15, 16, 17, 20, 31, 32, 33, 0xfff, 0xffff, 0xffff_ffff];

/** mulberry32: a small seeded PRNG, so that a failing case can be replayed from its seed. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function readSeed(): number {
  const permission = Deno.permissions.querySync({ name: "env", variable: "FUZZ_SEED" });
  const fromEnv = permission.state === "granted" ? Deno.env.get("FUZZ_SEED") : undefined;
  if (fromEnv !== undefined) {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
      throw new RangeError(
        `Cannot read FUZZ_SEED: expected an integer from 0 to 4294967295, got ${fromEnv}`,
      );
    }
    return seed;
  }
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
}

function mutate(random: () => number, pick: (n: number) => number): Uint8Array {
  const source = SEEDS[pick(SEEDS.length)] ?? BRIDGE_PORT_DELLINK;
  let bytes = source.slice();
  const steps = 1 + pick(4);
  for (let step = 0; step < steps; step++) {
    if (bytes.length === 0) break;
    const at = pick(bytes.length);
    switch (pick(6)) {
      case 0: // truncate
        bytes = bytes.slice(0, pick(bytes.length + 1));
        break;
      case 1: // flip one to eight bits
        for (let flips = 1 + pick(8); flips > 0; flips--) {
          const index = pick(bytes.length);
          bytes[index] = (bytes[index] ?? 0) ^ (1 << pick(8));
        }
        break;
      case 2: { // rewrite a 16-bit length (nla_len) with an edge value
        const value = EDGE_LENGTHS[pick(EDGE_LENGTHS.length)] ?? 0;
        if (at + 2 <= bytes.length) {
          new DataView(bytes.buffer).setUint16(at & ~1, value & 0xffff, true);
        }
        break;
      }
      case 3: { // rewrite a 32-bit length (nlmsg_len) with an edge value or one near the size
        const near = bytes.length - at + pick(9) - 4;
        const value = random() < 0.5 ? EDGE_LENGTHS[pick(EDGE_LENGTHS.length)] ?? 0 : near;
        if ((at & ~3) + 4 <= bytes.length) {
          new DataView(bytes.buffer).setUint32(at & ~3, value >>> 0, true);
        }
        break;
      }
      case 4: { // splice the tail of another fixture in
        const other = SEEDS[pick(SEEDS.length)] ?? ACK_SET_LINK_DOWN;
        const joined = new Uint8Array(at + other.length);
        joined.set(bytes.subarray(0, at));
        joined.set(other, at);
        bytes = joined.slice(0, at + pick(other.length + 1));
        break;
      }
      default: // overwrite a run of bytes with random values
        for (let index = at; index < Math.min(bytes.length, at + 1 + pick(16)); index++) {
          bytes[index] = pick(256);
        }
    }
  }
  return bytes;
}

Deno.test("decodeMessages fuzz never throws", () => {
  const seed = readSeed();
  // deno-lint-ignore no-console -- the seed must be visible to replay a failure
  console.log(`decode fuzz seed: FUZZ_SEED=${seed}`);
  const random = createRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  let decodeErrors = 0;
  for (let index = 0; index < CASES; index++) {
    const datagram = mutate(random, pick);
    let result;
    try {
      result = decodeMessages(datagram);
    } catch (error) {
      assert.fail(`case ${index} with FUZZ_SEED=${seed} threw ${error}`);
    }
    for (const error of result.errors) {
      assert.ok(error instanceof NetlinkDecodeError, `case ${index} with FUZZ_SEED=${seed}`);
    }
    decodeErrors += result.errors.length;
  }
  // A fuzzer whose mutations never hit the error paths would prove nothing.
  assert.ok(decodeErrors > CASES / 4, `only ${decodeErrors} decode errors in ${CASES} cases`);
});
