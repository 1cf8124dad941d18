import * as readline from "node:readline";
import process from "node:process";
const rl = readline.createInterface({
  input: process.stdin, output: process.stdout, terminal: true, historySize: 100,
  completer: (line: string) => { const c = ["status","start","list","stop"].filter(w=>w.startsWith(line)); return [c.length===1? [c[0]+" "]: c, line]; },
});
console.error("prevRows" in rl, typeof (rl as any).clearLine, typeof (rl as any)._refreshLine, Object.getOwnPropertyNames(Object.getPrototypeOf(Object.getPrototypeOf(rl))).join(","));
let n = 0;
const base = "p2pft> ";
function bars() { return `[bar A ${n}%]\n[bar B ${n*2}%]\n`; }
rl.setPrompt(bars() + base);
rl.prompt();
setInterval(() => { n++; rl.setPrompt(bars()+base); rl.prompt(true); }, 500);
setInterval(() => {
  const rows = rl.getCursorPos().rows;
  const prev = (rl as any).prevRows;
  readline.moveCursor(process.stdout, 0, -rows);
  readline.cursorTo(process.stdout, 0);
  readline.clearScreenDown(process.stdout);
  process.stdout.write(`LOG line ${n} rows=${rows} prev=${prev}\n` + "\n".repeat(prev));
  rl.prompt(true);
}, 1700);
rl.on("line", (l) => { console.log("got:", JSON.stringify(l)); rl.prompt(); });
rl.on("SIGINT", () => { console.log("SIGINT"); rl.prompt(); });
rl.on("close", () => { console.log("bye"); Deno.exit(0); });
