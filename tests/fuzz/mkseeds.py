#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write seeds of the fuzz targets:
  - corpus/device/ (fuzz_device): struct sactl_request records
    (include/uapi/linux/sactl.h, little-endian x86-64 layout, 160 bytes)
    as the module writes them, one or more per file;
  - corpus/wire/agent_* (fuzz_wire): what a prompt agent sends sactld
    (include/sactl/wire.h): AGENT_HELLO and ANSWER frames of every kind,
    a whole session's stream, and a few broken ones.

    tests/fuzz/mkseeds.py [CORPUS-DIR]
"""
import os
import socket
import struct
import sys

SIZE = 160
VERSION = 1
OPS = {"socket": 1, "bind": 2, "connect": 3, "listen": 4, "accept": 5, "send": 6}
REQ_FASTOPEN, REQ_NO_EXE = 1, 2
AF_INET, AF_INET6 = 2, 10
STREAM, DGRAM, RAW = 1, 2, 3
TCP, UDP, ICMP = 6, 17, 1


def sockaddr(addr=None, port=0, scope=0):
    """struct sactl_sockaddr: family, port (host order), scope_id, addr[16]."""
    if addr is None:
        return struct.pack("<HHI16s", 0, 0, 0, b"")
    if ":" in addr:
        return struct.pack("<HHI16s", AF_INET6, port, scope,
                           socket.inet_pton(socket.AF_INET6, addr))
    return struct.pack("<HHI16s", AF_INET, port, 0,
                       socket.inet_pton(socket.AF_INET, addr))


def record(op, rid, family=AF_INET, type_=STREAM, proto=TCP, local=None,
           remote=None, flags=0, exe_fd=-1, pid=4242, uid=1000, comm=b"curl",
           size=SIZE, version=VERSION):
    head = struct.pack("<IHHQIiQQIIIIIIII HHHH",
                       size, version, OPS[op], rid, flags, exe_fd,
                       0x801, 123456, pid, pid, 1, uid, uid, uid, uid,
                       0xf0000000, family, type_, proto, 0)
    rec = head + (local or sockaddr()) + (remote or sockaddr()) + \
        comm.ljust(16, b"\0") + b"\0" * 16
    assert len(rec) == SIZE, len(rec)
    return rec


SEEDS = {
    "connect_v4": record("connect", 1, remote=sockaddr("127.0.0.1", 80),
                         exe_fd=3),
    "connect_v6": record("connect", 2, family=AF_INET6,
                         remote=sockaddr("::1", 8080)),
    "connect_scope": record("connect", 3, family=AF_INET6,
                            remote=sockaddr("fe80::1", 443, scope=2)),
    "connect_mapped": record("connect", 4, family=AF_INET6,
                             remote=sockaddr("::ffff:10.1.2.3", 22)),
    "fastopen": record("connect", 5, flags=REQ_FASTOPEN,
                       remote=sockaddr("93.184.216.34", 443)),
    "no_exe": record("connect", 6, flags=REQ_NO_EXE, pid=1,
                     remote=sockaddr("10.0.0.1", 25)),
    "socket_raw": record("socket", 7, family=AF_INET6, type_=RAW, proto=58,
                         uid=0),
    "bind_listen_accept":
        record("bind", 8, local=sockaddr("0.0.0.0", 22), uid=0) +
        record("listen", 9, local=sockaddr("0.0.0.0", 22), uid=0) +
        record("accept", 10, local=sockaddr("192.168.1.2", 22),
               remote=sockaddr("192.168.1.9", 50000), uid=0),
    "send_udp": record("send", 11, type_=DGRAM, proto=UDP,
                       remote=sockaddr("8.8.8.8", 53), exe_fd=5),
    "ping": record("socket", 12, type_=DGRAM, proto=ICMP),
    "bad_version": record("connect", 13, version=2,
                          remote=sockaddr("127.0.0.1", 80)),
    "bad_size": record("connect", 14, size=152,
                       remote=sockaddr("127.0.0.1", 80)),
    "short": record("connect", 15, remote=sockaddr("127.0.0.1", 80))[:100],
    "same_id_twice": record("connect", 16, remote=sockaddr("127.0.0.1", 80)) * 2,
}


# The wire format: big-endian; a frame is length (4, header included),
# version (2), type (2), then TLVs: tag (2), length (2), value.
AGENT_HELLO, ANSWER = 1, 5
T_VERSION, T_NAME, T_UID, T_PROMPT_ID = 1, 2, 3, 7
T_VERDICT, T_DURATION, T_MINUTES, T_SCOPE = 24, 25, 26, 27
ALLOW, DENY = 1, 2
ONCE, PROCESS, MINUTES, SESSION, FOREVER = 0, 1, 2, 3, 4
DESTINATION, PORT, PROGRAM = 0, 1, 2


def tlv(tag, fmt, value):
    body = value if fmt == "s" else struct.pack(">" + fmt, value)
    return struct.pack(">HH", tag, len(body)) + body


def frame(type_, *fields, version=1):
    body = b"".join(fields)
    return struct.pack(">IHH", 8 + len(body), version, type_) + body


def hello(name=b"sactl-prompt", uid=None):
    fields = [tlv(T_VERSION, "H", 1), tlv(T_NAME, "s", name)]
    if uid is not None:
        fields.append(tlv(T_UID, "I", uid))
    return frame(AGENT_HELLO, *fields)


def answer(pid, verdict, duration=None, minutes=None, scope=None):
    fields = [tlv(T_PROMPT_ID, "Q", pid), tlv(T_VERDICT, "B", verdict)]
    if duration is not None:
        fields.append(tlv(T_DURATION, "B", duration))
    if minutes is not None:
        fields.append(tlv(T_MINUTES, "I", minutes))
    if scope is not None:
        fields.append(tlv(T_SCOPE, "B", scope))
    return frame(ANSWER, *fields)


WIRE = {
    "agent_hello_root_for_uid": hello(b"sactlctl", uid=1000),
    "agent_hello_utf8_name": hello("prompt \u00e9\u4e2d".encode()),
    "agent_answer_deny_forever_program": answer(3, DENY, FOREVER, scope=PROGRAM),
    "agent_answer_allow_process_port": answer(4, ALLOW, PROCESS, scope=PORT),
    "agent_answer_session": answer(5, ALLOW, SESSION),
    "agent_answer_max_minutes": answer(6, DENY, MINUTES, minutes=525600),
    "agent_session": hello() + answer(1, ALLOW) + answer(2, DENY, ONCE) +
        answer(7, ALLOW, MINUTES, minutes=15, scope=DESTINATION),
    # Broken: minutes without that duration, a tag twice, an unknown tag
    # (skipped), a frame cut short, a version 2 frame.
    "agent_bad_minutes": answer(8, ALLOW, ONCE, minutes=5),
    "agent_bad_dup_tag": frame(ANSWER, tlv(T_PROMPT_ID, "Q", 9),
                               tlv(T_VERDICT, "B", ALLOW),
                               tlv(T_VERDICT, "B", DENY)),
    "agent_unknown_tag": frame(ANSWER, tlv(T_PROMPT_ID, "Q", 10),
                               tlv(T_VERDICT, "B", ALLOW),
                               tlv(100, "s", b"later field")),
    "agent_cut_short": (hello() + answer(11, ALLOW))[:-3],
    "agent_version2": frame(AGENT_HELLO, tlv(T_VERSION, "H", 2),
                            tlv(T_NAME, "s", b"x"), version=2),
}


def write(out, seeds):
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus")
    write(os.path.join(top, "device"), SEEDS)
    write(os.path.join(top, "wire"), WIRE)


if __name__ == "__main__":
    main()
