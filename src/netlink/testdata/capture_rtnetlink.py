# Capture the rtnetlink bytes behind src/netlink/testdata/*.ts. Run as root in a throw-away
# namespace and keep stdout (JSON: one hex datagram per entry, labelled by the command):
#   ns=cdx$RANDOM; ip netns add $ns; ip netns exec $ns python3 capture_rtnetlink.py >out.json; ip netns del $ns
# The fixtures were cut from one such run on Linux 6.18.44 (x86-64).
# Capture rtnetlink bytes inside the current network namespace.
import json, os, select, socket, struct, subprocess, sys
NETLINK_ROUTE = 0
RTM_GETLINK, RTM_NEWLINK = 18, 16
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
IFF_UP = 1
out = []

def ev_sock():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.bind((0, 1))  # groups = 1 << (RTNLGRP_LINK - 1)
    return s

def drain(s, label, timeout=0.3):
    while True:
        r, _, _ = select.select([s], [], [], timeout)
        if not r:
            return
        data = s.recv(65536)
        out.append({"label": label, "hex": data.hex()})

def run(cmd, s):
    subprocess.run(cmd, shell=True, check=True)
    drain(s, cmd)

s = ev_sock()
run("ip link add Ethernet0 type veth peer name p0", s)
run("ip link add Bridge type bridge", s)
run("ip link set Ethernet0 mtu 9100", s)
run("ip link set Ethernet0 master Bridge", s)
run("ip link set Ethernet0 nomaster", s)
run("ip link set Ethernet0 master Bridge", s)

# Dump.
d = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
d.bind((0, 0))
req = struct.pack("=IHHII", 32, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + struct.pack("=BBHiII", 0, 0, 0, 0, 0, 0)
d.send(req)
drain(d, "dump RTM_GETLINK seq=1")

# Ack for set link down (index of Ethernet0).
idx = socket.if_nametoindex("Ethernet0")
req = struct.pack("=IHHII", 32, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 2, 0) + struct.pack("=BBHiII", 0, 0, 0, idx, 0, IFF_UP)
d.send(req)
drain(d, f"RTM_NEWLINK down index={idx} seq=2 NLM_F_ACK")
# Error for a missing interface index.
req = struct.pack("=IHHII", 32, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 3, 0) + struct.pack("=BBHiII", 0, 0, 0, 999999, 0, IFF_UP)
d.send(req)
drain(d, "RTM_NEWLINK down index=999999 seq=3 NLM_F_ACK")
drain(s, "events during requests")

run("ip link del Ethernet0", s)
run("ip link del Bridge", s)
json.dump(out, sys.stdout, indent=1)
