import assert from "node:assert/strict";
import { Command, InvalidArgumentError } from "@commander-js/extra-typings";
import {
  addressOption,
  collect,
  hostPortListOption,
  hostPortOption,
  logLevelOption,
  secondsOption,
  sizeOption,
  withOutputOptions,
  withPrintOptions,
} from "./options.ts";

Deno.test("option values are parsed, or refused with what was expected", () => {
  assert.deepEqual(hostPortOption("127.0.0.1:8000"), { host: "127.0.0.1", port: 8000 });
  assert.throws(() => hostPortOption("nowhere"), InvalidArgumentError);
  assert.deepEqual(hostPortListOption("a:1, b:2,"), [{ host: "a", port: 1 }, {
    host: "b",
    port: 2,
  }]);
  assert.throws(() => hostPortListOption(","), /expected HOST:PORT/);
  assert.throws(() => hostPortListOption("a:1,b"), InvalidArgumentError);
  assert.equal(secondsOption("2.5"), 2.5);
  for (const bad of ["0", "-1", "soon"]) {
    assert.throws(() => secondsOption(bad), /expected a positive number of seconds/);
  }
  assert.equal(sizeOption("4G"), 4 * 1024 ** 3);
  assert.equal(sizeOption("500 MiB"), 500 * 1024 ** 2);
  assert.equal(sizeOption("1024"), 1024);
  for (const bad of ["0", "-1", "lots", "4X"]) {
    assert.throws(() => sizeOption(bad), /expected a size/);
  }
  assert.equal(logLevelOption("warn"), "warn");
  assert.throws(() => logLevelOption("loud"), /expected one of debug, info, warn, error, silent/);
  assert.deepEqual(collect("b", ["a"]), ["a", "b"]);
});

Deno.test("an address option shows its default as text and parses it", () => {
  const command = new Command("x")
    .exitOverride()
    .addOption(addressOption("-a, --addr <host:port>", { description: "where", fallback: "h:1" }));
  assert.deepEqual(command.parse([], { from: "user" }).opts().addr, { host: "h", port: 1 });
  assert.match(command.helpInformation(), /where \(default: h:1\)/);
});

Deno.test("long-running commands share their output options", () => {
  const command = withOutputOptions(new Command("x").exitOverride(), "results only")
    .configureOutput({ writeErr: () => {} });
  const options = command.parse(["-q", "--log-level", "debug"], { from: "user" }).opts();
  assert.deepEqual(options, { quiet: true, logLevel: "debug" });
  const help = command.helpInformation();
  for (const flag of ["-i, --interactive", "-q, --quiet", "--json", "--log-level <level>"]) {
    assert.ok(help.includes(flag), flag);
  }
  assert.match(help, /results only/);
  assert.throws(() => command.parse(["--log-level", "loud"], { from: "user" }));
});

Deno.test("commands without a shell take the print options alone", () => {
  const command = withPrintOptions(new Command("x").exitOverride(), "results only");
  const options = command.parse(["--json"], { from: "user" }).opts();
  assert.deepEqual(options, { json: true, logLevel: "info" });
  const help = command.helpInformation();
  assert.ok(!help.includes("--interactive"), help);
  assert.match(help, /-q, --quiet +results only/);
});
