/**
 * Just enough Markdown for the docs tests: the headings a file gets anchors for (as GitHub makes them) and the
 * relative links it holds, both outside fenced code blocks and inline code spans.
 */
import fs from "node:fs";
import path from "node:path";

/** Folders never searched for Markdown: dependencies, build output, caches, and dot-folders (.git, .ponder). */
const SKIPPED = new Set([
  "node_modules",
  "artifacts",
  "cache",
  "typechain-types",
  "coverage",
  "dist",
  "generated",
  "build",
  "out",
]);

/** Every *.md file under `root`, as paths relative to it, sorted. */
export function markdownFiles(root: string, dir = ""): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (entry.name.startsWith(".") || SKIPPED.has(entry.name)) continue;
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...markdownFiles(root, rel));
    else if (entry.isFile() && entry.name.endsWith(".md")) found.push(rel);
  }
  return found.sort();
}

export interface Line {
  /** 1-based line number in the file. */
  number: number;
  text: string;
}

/** The lines outside fenced code blocks (``` or ~~~, as long a fence closes as opened it). */
export function proseLines(markdown: string): Line[] {
  const lines: Line[] = [];
  let fence: string | undefined;
  markdown.split(/\r?\n/).forEach((text, i) => {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(text);
    if (fence !== undefined) {
      if (opener && opener[1][0] === fence[0] && opener[1].length >= fence.length && text.trim() === opener[1]) {
        fence = undefined;
      }
      return;
    }
    if (opener) {
      fence = opener[1];
      return;
    }
    lines.push({ number: i + 1, text });
  });
  return lines;
}

/** A line with its inline code spans blanked out (same length, so columns still match). */
function withoutCodeSpans(text: string): string {
  return text.replace(/(`+)[^`]*?\1/g, (span) => " ".repeat(span.length));
}

/** GitHub's anchor for a heading's text (github-slugger: lower case, punctuation dropped, spaces to hyphens). */
export function slug(heading: string): string {
  // Code spans keep their text as written; elsewhere links become their text and HTML tags and emphasis go.
  const text = heading
    .split(/(`+[^`]*?`+)/)
    .map((part, i) =>
      i % 2 === 1
        ? part.replace(/^`+|`+$/g, "")
        : part
            .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
            .replace(/<[^>]+>/g, "")
            .replace(/\*/g, ""),
    )
    .join("")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** The anchors a Markdown file offers: one per ATX heading, a repeated one numbered -1, -2 as GitHub does. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const base = slug(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

export interface Link {
  line: number;
  target: string;
}

/** Every link and image target of the file: inline `[text](target)` and reference definitions `[id]: target`. */
export function linksOf(markdown: string): Link[] {
  const links: Link[] = [];
  for (const { number, text } of proseLines(markdown)) {
    const prose = withoutCodeSpans(text);
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(prose);
    if (definition) links.push({ line: number, target: definition[1] });
    for (const m of prose.matchAll(/\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: number, target: m[1].replace(/^<|>$/g, "") });
    }
  }
  return links;
}

/** True for a target with a scheme (https:, mailto:) or a protocol-relative one: not a file of this repository. */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");
}
