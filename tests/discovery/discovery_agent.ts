/**
 * A small program the discovery tests run inside network namespaces. It
 * speaks JSON lines on stdout, one object per event, and stops cleanly when
 * its stdin is closed.
 *
 * Usage:
 * - `advertise '<ServiceDescription JSON>' ['<AdvertiseOptions JSON>']`:
 *   prints `{"event":"advertised",...}`, `{"event":"renamed",...}` if a later conflict renames
 *   it, then `{"event":"closed"}` after stdin closes.
 * - `browse <serviceType> <timeoutMs>`: prints `{"event":"found","instances":[...]}` and exits.
 * - `watch <serviceType>`: prints `{"event":"ready"}`, then `{"event":"up"|"update"|"down",
 *   "instance":{...}}` per change, until stdin closes.
 * - `bare-responder '<ServiceDescription JSON>' <address>`: a minimal responder that never
 *   announces and answers each question with the exact records asked for, no additionals,
 *   so that browsers must resolve SRV, TXT and A with follow-up queries. Prints
 *   `{"event":"ready"}`, then `{"event":"query","questions":[...]}` per query answered.
 *
 * @module
 */

import { advertise } from "../../src/discovery/advertiser.ts";
import { browse, watchServices } from "../../src/discovery/browser.ts";
import { answerQuery, buildServiceRecords } from "../../src/discovery/dns_sd.ts";
import { type DiscoveryLog, openMdnsSocket } from "../../src/discovery/mdns_socket.ts";

/** Prints one JSON line. */
function emit(value: Record<string, unknown>): void {
  console.log(JSON.stringify(value));
}

/** Resolves when stdin reaches its end. */
async function stdinClosed(): Promise<void> {
  for await (const _ of Deno.stdin.readable) {
    // Ignore whatever is written: only the end matters.
  }
}

const log: DiscoveryLog = (level, message) => console.error(`[${level}] ${message}`);

async function main(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  switch (command) {
    case "advertise": {
      const ad = await advertise(JSON.parse(rest[0]), {
        ...JSON.parse(rest[1] ?? "{}"),
        log,
        onRename: (instanceName) => emit({ event: "renamed", instanceName }),
      });
      emit({ event: "advertised", instanceName: ad.instanceName, host: ad.host });
      await stdinClosed();
      await ad.close();
      emit({ event: "closed" });
      return;
    }
    case "browse": {
      const instances = await browse(rest[0], { timeoutMs: Number(rest[1]), log });
      emit({ event: "found", instances });
      return;
    }
    case "watch": {
      const watcher = await watchServices(rest[0], {
        log,
        onChange: (change) => emit({ event: change.type, instance: change.instance }),
      });
      emit({ event: "ready" });
      await stdinClosed();
      await watcher.close();
      return;
    }
    case "bare-responder": {
      const records = buildServiceRecords(JSON.parse(rest[0]), { addresses: [rest[1]] });
      const socket = await openMdnsSocket({ log });
      socket.onMessage((message) => {
        if (message.type !== "query") return;
        const { answers } = answerQuery(records, message.questions);
        if (answers.length === 0) return;
        emit({ event: "query", questions: message.questions.map((q) => `${q.name} ${q.type}`) });
        void socket.send({ type: "response", answers });
      });
      emit({ event: "ready" });
      await stdinClosed();
      await socket.close();
      return;
    }
    default:
      throw new Error(
        `unknown command "${command}": use advertise, browse, watch or bare-responder`,
      );
  }
}

await main(Deno.args);
