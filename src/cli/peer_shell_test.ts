import assert from "node:assert/strict";
import { leaveQuestion } from "./peer_shell.ts";

Deno.test("Ctrl-D's question says whether the running downloads resume, and how to leave", () => {
  assert.equal(
    leaveQuestion(1, "/home/me/.local/share/p2pft/peer-8001"),
    "1 download is running: leaving stops it, and it resumes the next time a peer starts " +
      "with the same data folder (/home/me/.local/share/p2pft/peer-8001). " +
      "Press Ctrl-D again or y to leave, any other key to stay",
  );
  assert.equal(
    leaveQuestion(3, undefined),
    "3 downloads are running: leaving stops them, and they start over next time: this peer " +
      "keeps no data folder (--data-dir gives it one). " +
      "Press Ctrl-D again or y to leave, any other key to stay",
  );
});
