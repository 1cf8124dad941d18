"""Interop helper for the discovery tests: python-zeroconf (Debian's
python3-zeroconf) as an independent DNS-SD implementation.

Usage (prints one JSON line on stdout):
  zeroconf_agent.py browse <type> <timeout_s>
      -> {"types": [...service types enumerated...],
          "instances": [{"name", "server", "port", "addresses", "txt"}]}
  zeroconf_agent.py register <type> <instance> <host> <ip> <port> [rename]
      -> {"registered": "<full name>"}, then unregisters (goodbye) when stdin closes.
      With "rename", a name taken on the network is changed instead of failing.
"""

import json
import socket
import sys
import time

from zeroconf import (
    IPVersion,
    ServiceBrowser,
    ServiceInfo,
    ServiceListener,
    Zeroconf,
    ZeroconfServiceTypes,
)


def fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


class Collector(ServiceListener):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.names.add(name)

    def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.names.add(name)

    def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
        self.names.discard(name)


def browse(type_: str, timeout_s: float) -> None:
    type_ = fqdn(type_)
    zc = Zeroconf(ip_version=IPVersion.V4Only)
    try:
        collector = Collector()
        browser = ServiceBrowser(zc, type_, collector)
        deadline = time.monotonic() + timeout_s
        while not collector.names and time.monotonic() < deadline:
            time.sleep(0.05)
        instances = []
        for name in sorted(collector.names):
            info = zc.get_service_info(type_, name, timeout=3000)
            if info is None:
                instances.append({"name": name, "resolved": False})
                continue
            instances.append({
                "name": name,
                "server": info.server,
                "port": info.port,
                "addresses": info.parsed_addresses(),
                "txt": {
                    k.decode(): (v.decode() if v is not None else None)
                    for k, v in info.properties.items()
                },
            })
        browser.cancel()
        types = sorted(ZeroconfServiceTypes.find(zc=zc, timeout=1.5))
        print(json.dumps({"types": types, "instances": instances}), flush=True)
    finally:
        zc.close()


def register(type_: str, instance: str, host: str, ip: str, port: int, rename: bool) -> None:
    type_ = fqdn(type_)
    zc = Zeroconf(ip_version=IPVersion.V4Only)
    try:
        info = ServiceInfo(
            type_,
            f"{instance}.{type_}",
            addresses=[socket.inet_aton(ip)],
            port=port,
            properties={"txtvers": "1", "proto": "p2pft", "protovers": "1"},
            server=fqdn(f"{host}.local"),
        )
        zc.register_service(info, allow_name_change=rename)
        print(json.dumps({"registered": info.name}), flush=True)
        sys.stdin.read()
        zc.unregister_service(info)
    finally:
        zc.close()


def main() -> None:
    if sys.argv[1] == "browse":
        browse(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "register":
        rename = len(sys.argv) > 7 and sys.argv[7] == "rename"
        register(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), rename)
    else:
        raise SystemExit(f"unknown command {sys.argv[1]!r}: use browse or register")


if __name__ == "__main__":
    main()
