#!/usr/bin/env python3
"""Telethon (an independent MTProto client) against tg-mock-server.

Starts `tg-mock-server serve` on the `small` fixture and, for each of
Telethon's TCP transports (full, abridged, intermediate, obfuscated), runs a
fresh client through: the key exchange with the mock's own RSA key,
help.getConfig, ping / get_future_salts / keepalive, a login with code and
2FA password, a reconnect with the saved auth key, and a takeout
(account.initTakeoutSession, messages.getSplitRanges, messages.getDialogs and
messages.getHistory inside invokeWithTakeout(invokeWithMessagesRange(...)),
upload.getFile on DC 2 and from another DC, account.finishTakeoutSession).
The intermediate run also makes Telethon redo its key exchange on the same
connection, as it does by itself for 1 key in 256.
A second server with an MTProxy secret serves Telethon's three MTProxy
transports (dd-secret padded intermediate among them) the same way, except
for the reconnect and the other DC (the mock does not route by the DC in
the obfuscated header).

What the client got is checked against the fixture's world.json; Telethon's
own log shows the session was clean; the control plane's /stats shows
which wrappers the calls carried. Prints one line per check and ends with
`N passed, M failed`; exits 1 when anything failed. Run it with
tests/telethon/run.sh (it makes the venv and builds the server).

With `--counts-of DIR` it also checks that every takeout got the split
ranges, chats, message ids and dates a takeout of DIR's world gets: run on
the world imported from an anonymized recording of DIR's world
(mock-server/fixtures/recorded/world, recorded from fixtures/demo), it
shows the independent client sees the same account in both.

Usage: check.py [--server PATH] [--fixture DIR] [--counts-of DIR]
                [--timeout SECONDS] [-v]
"""

import argparse
import asyncio
import contextlib
import ctypes
import json
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
import urllib.request
import warnings

from telethon import TelegramClient, errors, functions, types
from telethon.crypto import rsa
from telethon.network import authenticator, connection
from telethon.sessions import StringSession
from telethon.tl.alltlobjects import LAYER

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = "127.0.0.1"
HOME_DC = 2
API_ID, API_HASH = 17349, "344583e45741c457fe1862106095a5eb"
# Bound of one request or step (seconds).
CALL_TIMEOUT = 20
# Bound of one transport's whole run (seconds).
RUN_TIMEOUT = 60
# The most pages one paged listing may take (dialogs, history, file parts).
MAX_PAGES = 200
# The MTProxy secret of the second server (test value).
PROXY_SECRET = "0123456789abcdeffedcba9876543210"

# (connection class, MTProxy secret or None, updates off). With updates off
# Telethon wraps every call in invokeWithoutUpdates: some runs do, so the
# mock is seen to unwrap it under everything else.
DIRECT = [
    ("ConnectionTcpFull", None, False),
    ("ConnectionTcpAbridged", None, True),
    ("ConnectionTcpIntermediate", None, False),
    ("ConnectionTcpObfuscated", None, True),
]
PROXIED = [
    ("ConnectionTcpMTProxyAbridged", PROXY_SECRET, False),
    ("ConnectionTcpMTProxyIntermediate", PROXY_SECRET, False),
    ("ConnectionTcpMTProxyRandomizedIntermediate", "dd" + PROXY_SECRET, True),
]

# The errors a correct run gets: not logged in yet (Telethon's users.getUsers
# and updates.getState at connect), the wrong code, the code before 2FA, and
# the photo on DC 4 asked of DC 2 first.
EXPECTED_ERRORS = {
    ("users.getUsers", "AUTH_KEY_UNREGISTERED"),
    ("updates.getState", "AUTH_KEY_UNREGISTERED"),
    ("auth.signIn", "PHONE_CODE_INVALID"),
    ("auth.signIn", "SESSION_PASSWORD_NEEDED"),
    ("upload.getFile", "FILE_MIGRATE_4"),
}


class Checks:
    """Counts and prints checks."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}{': ' + detail if detail else ''}", flush=True)
        return ok

    def equal(self, name, got, want):
        return self.check(name, got == want, f"got {got!r}, want {want!r}")


# ---------------------------------------------------------------------------
# The world: what a takeout of the fixture must yield.
# ---------------------------------------------------------------------------

INT32_MAX = 2**31 - 1


def peer_key(peer):
    """('user'|'chat'|'channel', id) of a world.json peer object."""
    kind = peer["_"]
    if kind == "peerUser":
        return ("user", peer["user_id"])
    if kind == "peerChat":
        return ("chat", peer["chat_id"])
    if kind == "peerChannel":
        return ("channel", peer["channel_id"])
    raise ValueError(f"unknown peer {peer}")


def tl_peer_key(peer):
    """The same key of a Telethon Peer object."""
    if isinstance(peer, types.PeerUser):
        return ("user", peer.user_id)
    if isinstance(peer, types.PeerChat):
        return ("chat", peer.chat_id)
    if isinstance(peer, types.PeerChannel):
        return ("channel", peer.channel_id)
    raise ValueError(f"unknown peer {peer!r}")


class World:
    """The expectations, computed from world.json with the mock's documented
    split-range model (mock-server/src/services/dialogs.rs, history.rs):

    - the ranges divide the common message box (private chats and basic
      groups share one id sequence); inside invokeWithMessagesRange(r) such a
      dialog is listed when it has a message in r, and its history shows only
      the ids in r;
    - channels have their own ids: they are listed only in a range reaching
      the end of the newest range, and their history ignores the range;
    - only dialogs of world.dialogs with at least one visible message are
      listed.
    """

    def __init__(self, fixture_dir):
        with open(os.path.join(fixture_dir, "world.json"), encoding="utf-8") as f:
            self.raw = json.load(f)
        w = self.raw
        self.fixture_dir = fixture_dir
        self.self_id = w["self_id"]
        self.login = w["login"]
        self.ranges = [(r["min_id"], r["max_id"]) for r in w["split_ranges"]]
        self.newest_end = max((hi for _, hi in self.ranges), default=INT32_MAX)
        self.dialog_keys = [peer_key(d["peer"]) for d in w["dialogs"]]
        self.messages = {}  # peer key -> sorted ids
        for m in w["messages"]:
            self.messages.setdefault(peer_key(m["peer_id"]), []).append(m["id"])
        for ids in self.messages.values():
            ids.sort()
        self.by_key = {}  # (peer key, id) -> message json
        for m in w["messages"]:
            self.by_key[(peer_key(m["peer_id"]), m["id"])] = m

    def history(self, key, rng):
        """Ids of `key`'s messages visible inside range `rng`."""
        ids = self.messages.get(key, [])
        if key[0] == "channel":
            return ids
        lo, hi = rng
        return [i for i in ids if lo <= i <= hi]

    def dialogs(self, rng):
        """The dialogs listed in range `rng`, with their visible message ids."""
        out = {}
        for key in self.dialog_keys:
            if key[0] == "channel" and rng[1] < self.newest_end:
                continue
            ids = self.history(key, rng)
            if ids:
                out[key] = ids
        return out

    def blob(self, kind, file_id):
        """(bytes, thumb type) of the fixture blob of photo/document `file_id`."""
        for b in self.raw.get("blobs", []):
            if b.get(kind) == file_id:
                with open(os.path.join(self.fixture_dir, b["file"]), "rb") as f:
                    return f.read(), b.get("thumb", "")
        return None, None


# ---------------------------------------------------------------------------
# The mock server process.
# ---------------------------------------------------------------------------


try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before any fork
except (OSError, AttributeError):
    _prctl = None


def die_with_parent():
    """In the child: SIGKILL when this script dies, even by a signal that
    skips `finally` (Linux PR_SET_PDEATHSIG; elsewhere a no-op)."""
    if _prctl is not None:
        _prctl(1, int(signal.SIGKILL))


class Server:
    """`tg-mock-server serve` as a child process, always ended."""

    def __init__(self, binary, fixture_dir, log_path, secret=None):
        self.binary = binary
        self.fixture_dir = fixture_dir
        self.log_path = log_path
        self.secret = secret
        self.proc = None
        self.lines = queue.Queue()
        self.dcs = {}
        self.control = None

    def key_pem(self):
        out = subprocess.run(
            [self.binary, "key"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
        m = re.search(
            r"-----BEGIN RSA PUBLIC KEY-----.*?-----END RSA PUBLIC KEY-----", out, re.S
        )
        if not m:
            raise RuntimeError(f"no PEM in `tg-mock-server key`: {out!r}")
        fp = re.search(r"fingerprint:\s*(-?\d+)", out)
        return m.group(0), int(fp.group(1)) if fp else None

    def start(self, startup_timeout=30):
        log = open(self.log_path, "w", encoding="utf-8")
        env = dict(os.environ)
        env.setdefault("RUST_LOG", "info")
        argv = [self.binary, "serve", "--fixture", self.fixture_dir, "--host", HOST]
        argv += ["--port", "0", "--control-port", "0", "--dcs", "5"]
        if self.secret:
            argv += ["--mtproxy-secret", self.secret]
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            preexec_fn=die_with_parent,
        )

        def pump():
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                self.lines.put(line)
            self.lines.put(None)
            log.close()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + startup_timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError(f"the mock server exited ({self.proc.wait()})")
            m = re.match(r"\s*DC (\d+): ([\d.]+):(\d+)", line)
            if m:
                self.dcs[int(m.group(1))] = (m.group(2), int(m.group(3)))
            m = re.match(r"\s*control plane: http://([\d.]+:\d+)", line)
            if m:
                self.control = m.group(1)
            if line.startswith("connect with:"):
                break
        if HOME_DC not in self.dcs or not self.control:
            raise RuntimeError(f"the mock server did not announce its ports: {self.dcs}")

    def last_seq(self):
        return max((e["seq"] for e in self.stats()["log"]), default=-1)

    def stats(self):
        url = f"http://{self.control}/stats"
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


# ---------------------------------------------------------------------------
# One client per transport.
# ---------------------------------------------------------------------------


async def call(client, request):
    return await asyncio.wait_for(client(request), CALL_TIMEOUT)


def input_peer(key, users, chats):
    kind, pid = key
    if kind == "user":
        u = users.get(pid)
        return types.InputPeerUser(pid, u.access_hash if u else 0)
    if kind == "chat":
        return types.InputPeerChat(pid)
    c = chats.get(pid)
    return types.InputPeerChannel(pid, c.access_hash if c else 0)


async def dialogs_in_range(t, rng, page_size):
    """Every dialog of the range, paged; (keys in order, top ids, users,
    chats, counts announced, pages)."""
    keys, tops, users, chats, counts = [], {}, {}, {}, set()
    offset_date, offset_id, offset_peer = None, 0, types.InputPeerEmpty()
    pages = 0
    for _ in range(MAX_PAGES):
        pages += 1
        res = await call(
            t,
            functions.InvokeWithMessagesRangeRequest(
                range=rng,
                query=functions.messages.GetDialogsRequest(
                    offset_date=offset_date,
                    offset_id=offset_id,
                    offset_peer=offset_peer,
                    limit=page_size,
                    hash=0,
                ),
            ),
        )
        users.update({u.id: u for u in res.users})
        chats.update({c.id: c for c in res.chats})
        counts.add(getattr(res, "count", len(res.dialogs)))
        if not res.dialogs:
            break
        msgs = {(tl_peer_key(m.peer_id), m.id): m for m in res.messages}
        for d in res.dialogs:
            k = tl_peer_key(d.peer)
            keys.append(k)
            tops[k] = d.top_message
        if isinstance(res, types.messages.Dialogs):
            break
        last = res.dialogs[-1]
        lk = tl_peer_key(last.peer)
        top = msgs.get((lk, last.top_message))
        offset_date = top.date if top else None
        offset_id = last.top_message
        offset_peer = input_peer(lk, users, chats)
        if len(keys) >= max(counts):
            break
    return keys, tops, users, chats, counts, pages


async def history_in_range(t, rng, peer, page_size):
    """Every message of `peer` visible in the range, paged newest first."""
    got, counts = [], set()
    offset_id = 0
    for _ in range(MAX_PAGES):
        res = await call(
            t,
            functions.InvokeWithMessagesRangeRequest(
                range=rng,
                query=functions.messages.GetHistoryRequest(
                    peer=peer,
                    offset_id=offset_id,
                    offset_date=None,
                    add_offset=0,
                    limit=page_size,
                    max_id=0,
                    min_id=0,
                    hash=0,
                ),
            ),
        )
        counts.add(getattr(res, "count", len(res.messages)))
        if not res.messages:
            break
        got.extend(res.messages)
        offset_id = res.messages[-1].id
        if isinstance(res, types.messages.Messages) or len(got) >= max(counts):
            break
    return got, counts


async def get_file(t, location, size, part=4096):
    """A file by raw upload.getFile parts."""
    data = b""
    for _ in range(MAX_PAGES * 4):
        res = await call(
            t,
            functions.upload.GetFileRequest(
                location=location, offset=len(data), limit=part, precise=False
            ),
        )
        data += res.bytes
        if len(res.bytes) < part or len(data) >= size:
            break
    return data


class Capture(logging.Handler):
    """Keeps the Telethon log records that tell how the session went."""

    # Records that mean the mock did something a client must not see.
    BAD = (
        "Security error",
        "Type %08x not found",
        "Received response without parent request",
        "Received error without parent request",
        "Server sent invalid buffer",
        "Unhandled error",
        "Invalid buffer",
        "Closing current connection to begin reconnect",
        "System clock is wrong",
        "Server indicated flood error",
        "Request caused struct.error",
        "Connection error %d during auth_key gen",
    )

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def count(self, prefix):
        return sum(1 for r in self.records if str(r.msg).startswith(prefix))

    def bad(self):
        return [
            r.getMessage()[:200]
            for r in self.records
            if any(str(r.msg).startswith(b) for b in self.BAD)
        ]


@contextlib.contextmanager
def key_exchange_fails_once():
    """Telethon's check of the first exchange fails (as it does by itself
    for the 1 in 256 keys that start with a zero byte, which it reads as 255
    bytes): Telethon starts a second exchange on the same connection."""
    real = authenticator.do_authentication
    done = []

    async def fail_first(sender):
        result = await real(sender)
        done.append(result)
        if len(done) == 1:
            raise errors.SecurityError("check.py: the first key is refused")
        return result

    authenticator.do_authentication = fail_first
    try:
        yield done
    finally:
        authenticator.do_authentication = real


def new_client(session, conn_cls, no_updates, log, proxy):
    return TelegramClient(
        session,
        API_ID,
        API_HASH,
        connection=conn_cls,
        proxy=proxy,
        timeout=10,
        request_retries=2,
        connection_retries=2,
        retry_delay=1,
        receive_updates=not no_updates,
        base_logger=log,
    )


async def run_transport(name, secret, no_updates, server, world, c, log, capture):
    conn_cls = getattr(connection, name)
    tag = f"[{name.removeprefix('Connection')}]"
    capture.records.clear()
    first_seq = await asyncio.to_thread(server.last_seq)
    # help.getConfig is cached on the class: forget the last client's.
    TelegramClient._config = None
    host, port = server.dcs[HOME_DC]
    proxy = (host, port, secret) if secret else None
    client = new_client(StringSession(), conn_cls, no_updates, log, proxy)
    client.session.set_dc(HOME_DC, host, port)
    # One direct run retries the key exchange on its connection.
    retry = name == "ConnectionTcpIntermediate"
    try:
        with key_exchange_fails_once() if retry else contextlib.nullcontext() as exchanges:
            await asyncio.wait_for(client.connect(), CALL_TIMEOUT)
        key = client.session.auth_key
        c.check(
            f"{tag} key exchange with the mock's RSA key",
            client.is_connected() and key is not None and len(key.key) == 256,
        )
        if retry:
            c.check(
                f"{tag} a second key exchange on the same connection "
                "(Telethon's retry when its check fails)",
                len(exchanges) == 2 and key.key == exchanges[1][0].key,
                f"{len(exchanges)} exchange(s)",
            )
        c.equal(
            f"{tag} not logged in yet",
            await asyncio.wait_for(client.is_user_authorized(), CALL_TIMEOUT),
            False,
        )

        cfg = await call(client, functions.help.GetConfigRequest())
        c.equal(f"{tag} help.getConfig this_dc", cfg.this_dc, HOME_DC)
        advertised = {
            (o.id, o.ip_address, o.port) for o in cfg.dc_options if not o.ipv6 and not o.cdn
        }
        want = {(dc, h, p) for dc, (h, p) in server.dcs.items()}
        c.check(
            f"{tag} help.getConfig advertises the mock's own DCs",
            want <= advertised,
            f"got {sorted(advertised)}, want {sorted(want)}",
        )

        # Service functions called like API methods (wrapped in
        # invokeWithoutUpdates when updates are off).
        pong = await call(client, functions.PingRequest(ping_id=0x7E1E7407))
        c.check(
            f"{tag} ping answered by a pong",
            isinstance(pong, types.Pong) and pong.ping_id == 0x7E1E7407,
            repr(pong),
        )
        salts = await call(client, functions.GetFutureSaltsRequest(num=3))
        n = len(getattr(salts, "salts", []))
        c.check(
            f"{tag} get_future_salts(3) gave {n} salts",
            isinstance(salts, types.FutureSalts) and n == 3,
            repr(salts),
        )
        # Telethon's keepalive (every 60 s) is a bare ping it sends itself;
        # without the pong it reconnects at the next one.
        sender = client._sender
        if sender._ping is None:
            sender._keepalive_ping(0x4B1DD00D)
            for _ in range(100):
                if sender._ping is None:
                    break
                await asyncio.sleep(0.05)
        c.check(f"{tag} keepalive ping answered", sender._ping is None)

        # Login: code (a wrong one first), then the 2FA password.
        login = world.login
        sent = await asyncio.wait_for(client.send_code_request(login["phone"]), CALL_TIMEOUT)
        c.check(f"{tag} auth.sendCode", isinstance(sent, types.auth.SentCode), repr(sent))
        try:
            await asyncio.wait_for(client.sign_in(login["phone"], "00000"), CALL_TIMEOUT)
            c.check(f"{tag} a wrong code is PHONE_CODE_INVALID", False, "signed in")
        except errors.PhoneCodeInvalidError:
            c.check(f"{tag} a wrong code is PHONE_CODE_INVALID", True)
        needs_password = False
        try:
            await asyncio.wait_for(client.sign_in(login["phone"], login["code"]), CALL_TIMEOUT)
        except errors.SessionPasswordNeededError:
            needs_password = True
        c.equal(
            f"{tag} the right code asks for the 2FA password",
            needs_password,
            bool(login.get("password")),
        )
        if needs_password:
            pw = await call(client, functions.account.GetPasswordRequest())
            c.equal(f"{tag} account.getPassword hint", pw.hint, login.get("hint"))
            await asyncio.wait_for(client.sign_in(password=login["password"]), CALL_TIMEOUT)
        me = await asyncio.wait_for(client.get_me(), CALL_TIMEOUT)
        c.check(
            f"{tag} logged in (code + 2FA) as the world's user",
            me is not None and me.id == world.self_id and me.phone == login["phone"],
            repr(me and (me.id, me.phone)),
        )

        if not secret:
            # A new connection (and session) with the same auth key stays
            # logged in. (Skipped through MTProxy: Telethon waits 2 s there.)
            saved = client.session.save()
            await asyncio.wait_for(client.disconnect(), 10)
            client = new_client(StringSession(saved), conn_cls, no_updates, log, proxy)
            await asyncio.wait_for(client.connect(), CALL_TIMEOUT)
            c.check(
                f"{tag} reconnected with the saved auth key: still logged in, no new key",
                client.session.auth_key.key == key.key
                and await asyncio.wait_for(client.is_user_authorized(), CALL_TIMEOUT),
            )

        await takeout(tag, client, server, world, c, first_seq, other_dc=not secret)
    finally:
        await asyncio.wait_for(client.disconnect(), 10)

    bad_salts = capture.count("Handling bad salt")
    c.check(
        f"{tag} Telethon's salt 0 was corrected by bad_server_salt ({bad_salts} time(s))",
        bad_salts >= 1,
    )
    bad = capture.bad()
    c.check(
        f"{tag} Telethon logged no security error, unknown type, orphan answer or reconnect",
        not bad,
        "; ".join(bad[:5]),
    )
    stats = await asyncio.to_thread(server.stats)
    entries = [e for e in stats["log"] if e["seq"] > first_seq]
    first = entries[0] if entries else {}
    c.check(
        f"{tag} the first call was help.getConfig in invokeWithLayer(initConnection(...))",
        first.get("method") == "help.getConfig"
        and [w for w in first.get("wrappers", []) if w in ("invokeWithLayer", "initConnection")]
        == ["invokeWithLayer", "initConnection"],
        json.dumps(first),
    )
    if no_updates:
        # (The sender Telethon opens to another DC imports the authorization
        # without it.)
        home = [e for e in entries if e["dc"] == HOME_DC]
        c.check(
            f"{tag} with updates off every call to DC {HOME_DC} came in invokeWithoutUpdates",
            home and all("invokeWithoutUpdates" in e["wrappers"] for e in home),
            json.dumps([e for e in home if "invokeWithoutUpdates" not in e["wrappers"]][:3]),
        )


async def takeout(tag, client, server, world, c, first_seq, other_dc):
    async with client.takeout(
        finalize=True,
        contacts=True,
        users=True,
        chats=True,
        megagroups=True,
        channels=True,
        files=True,
        max_file_size=10 * 1024 * 1024,
    ) as t:
        takeout_id = client.session.takeout_id
        c.check(f"{tag} account.initTakeoutSession gave an id", bool(takeout_id))

        ranges = await call(t, functions.messages.GetSplitRangesRequest())
        c.equal(
            f"{tag} messages.getSplitRanges",
            [(r.min_id, r.max_id) for r in ranges],
            world.ranges,
        )

        all_msgs = {}  # (peer key, id) -> message
        total_dialogs = total_msgs = 0
        for r in ranges:
            rng = (r.min_id, r.max_id)
            want = world.dialogs(rng)
            keys, tops, users, chats, counts, pages = await dialogs_in_range(t, r, 3)
            total_dialogs += len(keys)
            c.equal(f"{tag} range {rng}: dialogs", sorted(keys), sorted(want))
            c.check(
                f"{tag} range {rng}: dialogs listed once, {pages} page(s), count {sorted(counts)}",
                len(keys) == len(set(keys)) and counts == {len(want)},
                f"keys {keys}, counts {counts}",
            )
            c.equal(
                f"{tag} range {rng}: top messages",
                tops,
                {k: ids[-1] for k, ids in want.items() if k in tops},
            )
            got_ids = {}
            bad_counts = {}
            for key in keys:
                peer = input_peer(key, users, chats)
                msgs, counts = await history_in_range(t, r, peer, 2)
                got_ids[key] = sorted(m.id for m in msgs)
                if counts != {len(want.get(key, []))}:
                    bad_counts[key] = counts
                for m in msgs:
                    all_msgs[(tl_peer_key(m.peer_id), m.id)] = m
                total_msgs += len(msgs)
            c.equal(f"{tag} range {rng}: message ids per chat", got_ids, want)
            c.equal(f"{tag} range {rng}: counts announced per chat", bad_counts, {})
        want_dialogs = sum(len(world.dialogs(r)) for r in world.ranges)
        want_msgs = sum(len(ids) for r in world.ranges for ids in world.dialogs(r).values())
        c.equal(f"{tag} dialogs over all ranges: {want_dialogs}", total_dialogs, want_dialogs)
        c.equal(f"{tag} messages over all ranges: {want_msgs}", total_msgs, want_msgs)
        GOT_COUNTS.append(
            counts_of(len(ranges), {k: int(m.date.timestamp()) for k, m in all_msgs.items()})
        )
        dates_ok = all(
            int(m.date.timestamp()) == world.by_key[k]["date"] for k, m in all_msgs.items()
        )
        c.check(f"{tag} message dates match the world", dates_ok)

        await downloads(tag, client, t, world, all_msgs, c, other_dc)
        t.success = True
    c.check(f"{tag} account.finishTakeoutSession", client.session.takeout_id is None)

    # The wrappers the mock saw on this client's takeout calls.
    stats = await asyncio.to_thread(server.stats)
    log = [e for e in stats["log"] if e["seq"] > first_seq and e.get("user") == world.self_id]
    mine = [e for e in log if "invokeWithTakeout" in e.get("wrappers", [])]
    hist = [e for e in mine if e["method"] == "messages.getHistory"]
    dlgs = [e for e in mine if e["method"] == "messages.getDialogs"]
    both = ["invokeWithTakeout", "invokeWithMessagesRange"]
    c.check(
        f"{tag} /stats: {len(hist)} getHistory and {len(dlgs)} getDialogs calls, "
        "all inside invokeWithTakeout(invokeWithMessagesRange(...)), no errors",
        hist
        and dlgs
        and all(
            [w for w in e["wrappers"] if w in both] == both and not e.get("error")
            for e in hist + dlgs
        ),
        json.dumps((hist + dlgs)[:3]),
    )
    finished = [e for e in log if e["method"] == "account.finishTakeoutSession"]
    c.check(
        f"{tag} /stats: account.finishTakeoutSession succeeded",
        bool(finished) and not finished[-1].get("error"),
        json.dumps(finished[-1:]),
    )


async def downloads(tag, client, t, world, all_msgs, c, other_dc):
    """upload.getFile: blobs of the fixture on the home DC, raw and through
    Telethon's downloader, and (`other_dc`) a synthesized file on another
    DC."""
    photo_blob = None
    for (key, mid), m in sorted(all_msgs.items()):
        media = m.media
        if isinstance(media, types.MessageMediaPhoto) and media.photo:
            data, thumb = world.blob("photo", media.photo.id)
            if data is not None and photo_blob is None:
                photo_blob = (media.photo, thumb, data)
    docs = []
    for (key, mid), m in sorted(all_msgs.items()):
        media = m.media
        if isinstance(media, types.MessageMediaDocument) and media.document:
            data, _ = world.blob("document", media.document.id)
            if data is not None:
                docs.append((m, data))
    c.check(f"{tag} the world has blobs to download", photo_blob is not None and docs)

    if photo_blob:
        photo, thumb, data = photo_blob
        loc = types.InputPhotoFileLocation(
            id=photo.id,
            access_hash=photo.access_hash,
            file_reference=photo.file_reference,
            thumb_size=thumb,
        )
        got = await get_file(t, loc, len(data))
        c.check(
            f"{tag} upload.getFile (raw, in the takeout) photo {photo.id} '{thumb}' "
            f"= blob ({len(data)} bytes)",
            got == data,
            f"{len(got)} bytes",
        )
    for m, data in docs:
        got = await asyncio.wait_for(client.download_media(m, file=bytes), CALL_TIMEOUT)
        c.check(
            f"{tag} download_media document {m.media.document.id} = blob ({len(data)} bytes)",
            got == data,
            f"{None if got is None else len(got)} bytes",
        )

    if not other_dc:
        return
    # A photo on another DC: Telethon connects there (a key exchange on that
    # DC), exports and imports the authorization, then downloads.
    other = None
    for (key, mid), m in sorted(all_msgs.items()):
        media = m.media
        if (
            isinstance(media, types.MessageMediaPhoto)
            and media.photo
            and media.photo.dc_id != HOME_DC
        ):
            other = media.photo
            break
    if other is None:
        c.check(f"{tag} the world has a photo on another DC", False)
        return
    size = max(
        (s for s in other.sizes if isinstance(s, types.PhotoSize)), key=lambda s: s.size
    )
    got = await asyncio.wait_for(
        client.download_media(other, file=bytes, thumb=size), CALL_TIMEOUT * 2
    )
    # The mock draws photos without a blob as real JPEGs of the announced
    # size (mock-server/src/synth/mod.rs, padding inside the format), which this
    # script cannot re-encode: it checks the JPEG's frame and size, and that
    # every transport got the same bytes.
    is_jpeg = (
        got is not None
        and len(got) == size.size
        and got.startswith(b"\xff\xd8\xff")
        and got.endswith(b"\xff\xd9")
    )
    first = OTHER_DC_PHOTO.setdefault((other.id, size.type), got)
    c.check(
        f"{tag} download_media photo {other.id} '{size.type}' from DC {other.dc_id} "
        f"({size.size} bytes): a JPEG of that size, the same for every transport",
        is_jpeg and got == first,
        f"{None if got is None else len(got)} bytes",
    )


# What the first transport downloaded of the photo on another DC.
OTHER_DC_PHOTO = {}


# What each transport's takeout got: (split ranges, chats with messages,
# messages, {chat key: sorted (id, date)}).
GOT_COUNTS = []


def counts_of(ranges, msgs):
    """The counts of a takeout that got `msgs`, {(peer key, id): unix date},
    over `ranges` split ranges."""
    chats = {}
    for (key, mid), date in sorted(msgs.items()):
        chats.setdefault(key, []).append((mid, date))
    return (ranges, len(chats), sum(len(v) for v in chats.values()), chats)


def expected_counts(world):
    """The counts a takeout of `world` gets (what `takeout` checks per range)."""
    msgs = {}
    for r in world.ranges:
        for key, ids in world.dialogs(r).items():
            for i in ids:
                msgs[(key, i)] = world.by_key[(key, i)]["date"]
    return counts_of(len(world.ranges), msgs)


def same_counts(reference_dir, c):
    """Telethon's takeouts of this world got what a takeout of the world in
    `reference_dir` gets: the same split ranges, chats, message ids and
    dates (e.g. a world imported from an anonymized recording of it)."""
    ref = expected_counts(World(reference_dir))
    name = os.path.basename(os.path.normpath(reference_dir))
    c.check(f"every transport took out something ({len(GOT_COUNTS)} takeouts)", bool(GOT_COUNTS))
    for got in GOT_COUNTS:
        c.check(
            f"counts as against {name}: {ref[0]} split ranges, {ref[1]} chats, "
            f"{ref[2]} messages, the same ids and dates",
            got == ref,
            f"got {got[0]} split ranges, {got[1]} chats, {got[2]} messages",
        )


def expected_summary(world):
    dialogs = sum(len(world.dialogs(r)) for r in world.ranges)
    msgs = sum(len(ids) for r in world.ranges for ids in world.dialogs(r).values())
    return (
        f"world: {len(world.ranges)} split ranges, {dialogs} dialog listings, "
        f"{msgs} messages to export"
    )


async def serve_runs(server, runs, world, c, log, capture):
    """Starts `server`, does `runs` against it, checks its error log, stops it."""
    try:
        await asyncio.to_thread(server.start)
        what = f"MTProxy secret {server.secret}" if server.secret else "no MTProxy secret"
        print(f"mock server ({what}): DCs {sorted(server.dcs)}, control {server.control}")
        for name, secret, no_updates in runs:
            if not hasattr(connection, name):
                c.check(f"[{name}] exists in this Telethon", False)
                continue
            try:
                await asyncio.wait_for(
                    run_transport(name, secret, no_updates, server, world, c, log, capture),
                    RUN_TIMEOUT,
                )
            except Exception as e:  # noqa: BLE001 - a broken run is one failed check
                where = [
                    f"{f.name}:{f.lineno}"
                    for f in traceback.extract_tb(e.__traceback__)
                    if f.filename == __file__
                ]
                c.check(
                    f"[{name}] ran to the end",
                    False,
                    f"{type(e).__name__}: {e} (at {' < '.join(reversed(where))})",
                )
        stats = await asyncio.to_thread(server.stats)
        unexpected = [
            e
            for e in stats["log"]
            if e.get("error") and (e["method"], e["error"][1]) not in EXPECTED_ERRORS
        ]
        c.check(
            f"/stats: {stats.get('total')} calls, no errors but the expected ones "
            "(not logged in yet, wrong code, 2FA, FILE_MIGRATE)",
            not unexpected,
            json.dumps(unexpected[:5]),
        )
    finally:
        server.stop()


async def main_async(args, c):
    world = World(args.fixture)
    print(expected_summary(world), flush=True)
    log_dir = os.path.dirname(args.server_log)
    direct = Server(args.server, args.fixture, args.server_log)
    pem, fingerprint = direct.key_pem()
    rsa.add_key(pem, old=False)
    c.check(
        "Telethon knows the mock's RSA key (fingerprint from `tg-mock-server key`)",
        fingerprint is None or fingerprint in rsa._server_keys,
        f"{fingerprint} not in {list(rsa._server_keys)[:3]}...",
    )
    print(f"Telethon layer {LAYER}", flush=True)
    log = logging.getLogger("telethon")
    log.setLevel(logging.DEBUG)
    capture = Capture()
    log.addHandler(capture)
    await serve_runs(direct, DIRECT, world, c, log, capture)
    proxied = Server(
        args.server,
        args.fixture,
        os.path.join(log_dir, "telethon-mock-mtproxy.log"),
        secret=PROXY_SECRET,
    )
    await serve_runs(proxied, PROXIED, world, c, log, capture)
    if args.counts_of:
        same_counts(args.counts_of, c)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", default=os.path.join(ROOT, "target/debug/tg-mock-server"))
    ap.add_argument("--fixture", default=os.path.join(ROOT, "mock-server/fixtures/small"))
    ap.add_argument("--server-log", default=os.path.join(ROOT, "target/telethon-mock.log"))
    ap.add_argument(
        "--counts-of",
        metavar="DIR",
        help="also check that every takeout got what one of this fixture's world gets "
        "(split ranges, chats, message ids and dates)",
    )
    ap.add_argument("--timeout", type=float, default=120, help="for the whole check")
    ap.add_argument("-v", "--verbose", action="store_true", help="Telethon's debug log")
    args = ap.parse_args()
    # Telethon warns that proxies need python-socks: not MTProxy ones.
    warnings.filterwarnings("ignore", message="proxy argument will be ignored")
    shown = logging.StreamHandler(sys.stderr)
    shown.setLevel(logging.DEBUG if args.verbose else logging.ERROR)
    shown.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(shown)
    c = Checks()
    started = time.monotonic()
    try:
        asyncio.run(asyncio.wait_for(main_async(args, c), args.timeout))
    except asyncio.TimeoutError:
        c.check("finished within the time limit", False, f"{args.timeout} s")
    except Exception as e:  # noqa: BLE001
        c.check("ran to the end", False, f"{type(e).__name__}: {e}")
    print(f"({time.monotonic() - started:.1f} s; mock server logs in {os.path.dirname(args.server_log)})")
    print(f"{c.passed} passed, {c.failed} failed")
    sys.exit(1 if c.failed or not c.passed else 0)


if __name__ == "__main__":
    main()
