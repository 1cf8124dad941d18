import assert from "node:assert/strict";
import { join } from "node:path";
import { findSshPrograms, probeSsh, sshCopy, startSshBaselines, startSshd } from "./bench_ssh.ts";
import { SSH_PACKAGES } from "./bench_ssh_config.ts";

const programs = await findSshPrograms();
const missing = Object.keys(SSH_PACKAGES).filter((program) => !programs.has(program));
const isRoot = Deno.uid() === 0;

Deno.test({
  name: "the bench's sshd serves scp and rsync on loopback and leaves nothing behind",
  ignore: !isRoot || missing.length > 0,
  fn: async () => {
    const parent = await Deno.makeTempDir({ prefix: "p2pft-bench-ssh-test-" });
    try {
      const source = join(parent, "source.bin");
      const bytes = crypto.getRandomValues(new Uint8Array(65_536));
      await Deno.writeFile(source, bytes);
      const sshd = await startSshd(parent, programs.get("sshd"));
      try {
        const listening = sshd.child.stderr.lines.filter((line) => line.includes("listening"))
          .map((line) => line.trim());
        assert.deepEqual(listening, [`Server listening on 127.0.0.1 port ${sshd.port}.`]);
        const probe = await probeSsh(sshd);
        assert.match(probe.version ?? "", /^OpenSSH_/);
        assert.ok(probe.cipher, "ssh -v named no cipher");
        for (const copier of ["scp", "rsync"] as const) {
          const target = join(parent, `${copier}.bin`);
          const ms = await sshCopy(sshd, copier, { source, target, bytes: bytes.length });
          assert.ok(ms > 0);
          assert.deepEqual(await Deno.readFile(target), bytes);
        }
      } finally {
        await sshd[Symbol.asyncDispose]();
      }
      await sshd.child.exited;
      assert.equal(await Deno.stat(`/proc/${sshd.child.pid}`).then(() => true, () => false), false);
      assert.equal(await Deno.stat(sshd.dir).then(() => true, () => false), false);
    } finally {
      await Deno.remove(parent, { recursive: true });
    }
  },
});

Deno.test("without ssh on PATH every copier is skipped with the apt command, nothing started", async () => {
  const path = Deno.env.get("PATH");
  const empty = await Deno.makeTempDir({ prefix: "p2pft-bench-ssh-test-" });
  Deno.env.set("PATH", empty);
  try {
    const ssh = await startSshBaselines(empty);
    assert.equal(ssh.sshd, null);
    assert.match(ssh.skipped.scp ?? "", /\bscp\b.*not found: apt-get install .*openssh-client/);
    assert.match(ssh.skipped.rsync ?? "", /\brsync\b.*not found: apt-get install .*rsync/);
    assert.deepEqual([...Deno.readDirSync(empty)], []);
  } finally {
    if (path === undefined) Deno.env.delete("PATH");
    else Deno.env.set("PATH", path);
    await Deno.remove(empty, { recursive: true });
  }
});
