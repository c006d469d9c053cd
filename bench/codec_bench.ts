/**
 * Codec cost per message, on datagrams the kernel really sent (src/netlink/testdata).
 *
 * @module
 */

import { decodeMessages } from "../src/netlink/decode_messages.ts";
import { LINK_DUMP_PART_1 } from "../src/netlink/testdata/link_dump.ts";
import { VETH_DELLINK } from "../src/netlink/testdata/veth_dellink.ts";
import { VETH_MASTER_NEWLINK } from "../src/netlink/testdata/veth_master_newlink.ts";
import { toLinkEvent } from "../src/sync/link_event.ts";

Deno.bench("decode one RTM_NEWLINK (veth, master)", { group: "codec", baseline: true }, () => {
  decodeMessages(VETH_MASTER_NEWLINK);
});

Deno.bench("decode one RTM_DELLINK (veth)", { group: "codec" }, () => {
  decodeMessages(VETH_DELLINK);
});

Deno.bench("decode dump datagram (2 RTM_NEWLINK)", { group: "codec" }, () => {
  decodeMessages(LINK_DUMP_PART_1);
});

Deno.bench("decode RTM_NEWLINK to LinkEvent", { group: "codec" }, () => {
  for (const message of decodeMessages(VETH_MASTER_NEWLINK).messages) {
    if (message.kind === "link") toLinkEvent(message, false);
  }
});
