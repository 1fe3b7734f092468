#!/usr/bin/env python3
"""Runs mtprotoproxy (PyPI) in front of tg-mock-server, for tests/tests/proxy.rs.

The package is a single script written for a public deployment: it reads a
config file, asks the internet for its own IP and routes to Telegram's DC
table on port 443. This launcher loads the installed script as a module,
gives it a config file it writes (one user with the test's secret, the
mode), tells it its IP is 127.0.0.1 and points its DC table at the mock's
loopback ports by wrapping its connect function. Everything on the wire is
the package's own code.

Prints `mtprotoproxy VERSION listening PORT` once it accepts connections;
exits after --lifetime seconds at the latest.
"""

import argparse
import asyncio
import importlib.metadata
import importlib.util
import os
import shutil
import sys
import tempfile


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--secret", required=True, help="32 hex digits")
    p.add_argument("--mode", choices=["tls", "secure", "classic"], required=True)
    p.add_argument("--domain", default="example.com")
    p.add_argument("--dc", action="append", default=[], help="N=PORT of the mock's DC N")
    p.add_argument("--lifetime", type=float, default=600)
    return p.parse_args()


def load(script, config_path):
    # The script exits at import without arguments; the config comes from argv[1].
    sys.argv = [script, config_path]
    spec = importlib.util.spec_from_file_location("mtprotoproxy", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    args = parse_args()
    dcs = {int(n): int(port) for n, port in (d.split("=") for d in args.dc)}
    script = shutil.which("mtprotoproxy.py") or os.path.join(
        os.path.dirname(sys.executable), "mtprotoproxy.py")
    conf = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
    conf.write("\n".join([
        "PORT = %d" % args.port,
        "USERS = {'test': %r}" % args.secret,
        "TLS_DOMAIN = %r" % args.domain,
        "TLS_ONLY = %r" % (args.mode == "tls"),
        "SECURE_ONLY = %r" % (args.mode == "secure"),
        # Bad clients are not forwarded to the real domain: no internet.
        "MASK = False",
        "USE_MIDDLE_PROXY = False",
        "PREFER_IPV6 = False",
        "FAST_MODE = True",
        "STATS_PRINT_PERIOD = 3600",
        "CLIENT_HANDSHAKE_TIMEOUT = 10",
        "",
    ]))
    conf.close()
    mod = load(script, conf.name)
    mod.init_config()
    os.unlink(conf.name)
    mod.init_stats()
    mod.my_ip_info["ipv4"] = "127.0.0.1"
    mod.my_ip_info["ipv6"] = None
    mod.TG_DATACENTERS_V4 = ["mock-dc-%d" % n for n in range(1, 6)]
    connect = mod.open_connection_tryer

    async def to_mock(addr, port, limit, timeout, max_attempts=3):
        dc = int(str(addr).rsplit("-", 1)[-1])
        if dc not in dcs:
            raise ConnectionRefusedError("no DC %d in the mock" % dc)
        return await connect("127.0.0.1", dcs[dc], limit, timeout, max_attempts)

    mod.open_connection_tryer = to_mock
    version = importlib.metadata.version("mtprotoproxy")

    async def serve():
        server = await asyncio.start_server(
            mod.handle_client_wrapper, "127.0.0.1", args.port,
            limit=mod.get_to_tg_bufsize())
        port = server.sockets[0].getsockname()[1]
        print("mtprotoproxy %s listening %d" % (version, port), flush=True)
        async with server:
            await asyncio.sleep(args.lifetime)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
