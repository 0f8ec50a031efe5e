/** Questions on the terminal: a yes/no confirmation and a password read without echo. Prompts go to stderr. */
import * as readline from "node:readline";

/** Whether there is a person at a terminal to ask. */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY);
}

/** Asks a question and resolves with the answer line. */
export async function ask(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once("SIGINT", () => reject(new Error("interrupted")));
      rl.question(question, resolve);
    });
  } finally {
    rl.close();
  }
}

/** "Proceed? [y/N]": true only for y or yes. */
export async function confirm(question = "Proceed? [y/N] "): Promise<boolean> {
  const answer = (await ask(question)).trim().toLowerCase();
  return answer === "y" || answer === "yes";
}

/** Reads a line without echoing it (for a keystore password). */
export async function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = "";
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === "\r" || ch === "\n" || ch === "\u0004") {
            stdin.off("data", onData);
            process.stderr.write("\n");
            resolve(text);
            return;
          }
          if (ch === "\u0003") {
            stdin.off("data", onData);
            process.stderr.write("\n");
            reject(new Error("interrupted"));
            return;
          }
          if (ch === "\u007f" || ch === "\b") text = text.slice(0, -1);
          else text += ch;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
  }
}
