import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { isIpv4, isLocalOnly } from "./addresses.ts";
import { advertisedAddresses, defaultHostName } from "./advertiser.ts";

/** The name of the machine's loopback interface (`lo` on Linux). */
function loopbackInterface(): string {
  return Deno.networkInterfaces().find((i) => i.address === "127.0.0.1")!.name;
}

Deno.test("a service bound to one address advertises that address alone", () => {
  assertEquals(advertisedAddresses({ address: "10.0.0.5" }), ["10.0.0.5"]);
  assertEquals(advertisedAddresses({ address: "[fd00::1]" }), ["fd00::1"]);
  throws(
    () => advertisedAddresses({ address: "files.example" }),
    /cannot advertise "files\.example": give the IP address the service is bound to/,
  );
});

Deno.test("a service bound to every address advertises the machine's LAN addresses, IPv4 first", () => {
  const lan = Deno.networkInterfaces().filter((i) => !isLocalOnly(i.address));
  if (lan.length === 0) {
    throws(() => advertisedAddresses({ address: "0.0.0.0" }), /no network address to advertise/);
    return;
  }
  for (const address of ["0.0.0.0", "::", undefined]) {
    const addresses = advertisedAddresses({ address });
    assert(addresses.length > 0 && !addresses.some(isLocalOnly), String(addresses));
    const firstV6 = addresses.findIndex((a) => !isIpv4(a));
    assert(firstV6 === -1 || addresses.slice(firstV6).every((a) => !isIpv4(a)), String(addresses));
  }
});

Deno.test("an interface with only loopback addresses has nothing to advertise", () => {
  const lo = loopbackInterface();
  throws(
    () => advertisedAddresses({ interface: lo }),
    new Error(
      `no network address to advertise on interface "${lo}": ` +
        "connect to a network, or pass the address the service is bound to",
    ),
  );
  throws(() => advertisedAddresses({ interface: "127.0.0.1" }), /on interface "127\.0\.0\.1"/);
});

Deno.test("the default host name is one mDNS label", () => {
  assert(/^[A-Za-z0-9-]{1,63}$/.test(defaultHostName()), defaultHostName());
});
