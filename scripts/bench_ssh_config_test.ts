import assert from "node:assert/strict";
import {
  copyArgs,
  copyTimeoutMs,
  missingReason,
  parseSshProbe,
  probeArgs,
  sshClientOptions,
  sshdConfig,
  sshdFiles,
} from "./bench_ssh_config.ts";

const TARGET = { port: 40022, user: "root", clientKey: "/dev/shm/b/sshd-x/client_key" };

Deno.test("missingReason names what is missing and the packages that install it", () => {
  const all = new Set(["sshd", "ssh", "ssh-keygen", "scp", "rsync"]);
  assert.equal(missingReason("scp", all), null);
  assert.equal(missingReason("rsync", all), null);
  const noRsync = new Set(["sshd", "ssh", "ssh-keygen", "scp"]);
  assert.equal(missingReason("scp", noRsync), null);
  assert.equal(missingReason("rsync", noRsync), "rsync not found: apt-get install rsync");
  assert.equal(
    missingReason("scp", new Set(["rsync"])),
    "sshd, ssh-keygen, ssh, scp not found: apt-get install openssh-server openssh-client",
  );
  assert.equal(
    missingReason("rsync", new Set(["ssh", "ssh-keygen"])),
    "sshd, rsync not found: apt-get install openssh-server rsync",
  );
});

Deno.test("sshdConfig listens on loopback only, with the bench's own files", () => {
  const files = sshdFiles("/dev/shm/b/sshd-x");
  assert.equal(files.config, "/dev/shm/b/sshd-x/sshd_config");
  const lines = sshdConfig(files).trim().split("\n");
  for (
    const line of [
      "ListenAddress 127.0.0.1",
      "HostKey /dev/shm/b/sshd-x/host_key",
      "AuthorizedKeysFile /dev/shm/b/sshd-x/authorized_keys",
      "PidFile /dev/shm/b/sshd-x/sshd.pid",
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      "Subsystem sftp internal-sftp",
    ]
  ) assert.ok(lines.includes(line), `missing "${line}"`);
  assert.ok(!lines.some((line) => /^(Ciphers|MACs|KexAlgorithms|Port)\b/.test(line)));
});

Deno.test("copyArgs pull the source through the server with the bench's key and port", () => {
  const paths = { source: "/dev/shm/b/single.bin", target: "/dev/shm/b/dl/scp-baseline.bin" };
  const client = sshClientOptions(TARGET.clientKey);
  for (
    const option of ["StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null", "BatchMode=yes"]
  ) {
    assert.equal(client[client.indexOf(option) - 1], "-o", option);
  }
  assert.deepEqual(client.slice(-2), ["-i", TARGET.clientKey]);
  assert.deepEqual(copyArgs("scp", TARGET, paths), [
    "-q",
    ...client,
    "-P",
    "40022",
    "root@127.0.0.1:/dev/shm/b/single.bin",
    paths.target,
  ]);
  assert.deepEqual(copyArgs("rsync", TARGET, paths), [
    "-e",
    ["ssh", ...client, "-p", "40022"].join(" "),
    "root@127.0.0.1:/dev/shm/b/single.bin",
    paths.target,
  ]);
  assert.throws(
    () => copyArgs("rsync", { ...TARGET, clientKey: "/tmp/a b/key" }, paths),
    /without spaces/,
  );
  assert.deepEqual(probeArgs(TARGET).slice(-4), ["-p", "40022", "root@127.0.0.1", "true"]);
  assert.equal(probeArgs(TARGET)[0], "-v");
});

Deno.test("parseSshProbe reads the version and the server-to-client cipher of ssh -v", () => {
  const text = [
    "OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026",
    "debug1: Reading configuration data /etc/ssh/ssh_config",
    "debug1: kex: algorithm: sntrup761x25519-sha512",
    "debug1: kex: server->client cipher: chacha20-poly1305@openssh.com MAC: <implicit> " +
    "compression: none",
    "debug1: kex: client->server cipher: aes128-gcm@openssh.com MAC: <implicit> compression: none",
  ].join("\n");
  assert.deepEqual(parseSshProbe(text), {
    version: "OpenSSH_9.2p1",
    cipher: "chacha20-poly1305@openssh.com",
  });
  assert.deepEqual(parseSshProbe("debug1: OpenSSH_8.9p1 Ubuntu-3, OpenSSL 3.0.2"), {
    version: "OpenSSH_8.9p1",
    cipher: null,
  });
  assert.deepEqual(parseSshProbe(""), { version: null, cipher: null });
});

Deno.test("copyTimeoutMs allows 30 s plus the size at 10 MB/s", () => {
  assert.equal(copyTimeoutMs(0), 30_000);
  assert.equal(copyTimeoutMs(1e9), 130_000);
  assert.equal(copyTimeoutMs(1024 ** 3), 137_374);
});
