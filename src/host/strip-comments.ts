/**
 * Drops full-line comments and blank lines from a POSIX sh script before it is shipped.
 *
 * Why: every remote.Command keeps its whole stdin script in the Pulumi state, in its inputs AND its
 * outputs, and the file backend rewrites the whole checkpoint after each step, so the bytes written
 * grow with the square of the fleet size. Comments are for the reader of src/host/scripts/*.sh;
 * the host's shell skips them anyway.
 *
 * Contract: `stripComments(text)` returns `text` with every line removed that, read where it stands,
 * is blank or whose first non-blank character starts a comment (`# shellcheck` directives too: they
 * mean nothing at run time). Every other line is kept byte for byte, in order, each ending in "\n".
 * A line is never removed when it does not start at a command boundary:
 * - inside a here-document body or its terminator (`<<WORD`, `<<'WORD'`, `<<"WORD"`, `<<-WORD`);
 * - inside a quoted string, `$(...)` or backquote that a previous line left open;
 * - after a line that ends in a backslash continuation (the shell would join the two).
 * The scan is a small lexer of sh quoting (not a full parser): whenever it is unsure it keeps lines.
 * `scriptEndsClosed(text)` says whether the text ends outside any quote, substitution or
 * here-document, so a test can require it of every shipped file.
 */

/** Lexer state carried from one line to the next. */
interface ScanState {
  /** Open constructs, innermost last: a quote, a `$(`/`(` group with its depth, or a backquote. */
  readonly stack: Frame[];
  /** Here-document terminators announced on the current line, whose bodies start on the next line. */
  readonly pending: HereDoc[];
  /** The here-document whose body is being read, if any. */
  body: HereDoc | undefined;
  /** The previous line ended in an unquoted backslash: this line continues it. */
  continued: boolean;
}

type Frame = "'" | '"' | "`" | "$(";

interface HereDoc {
  readonly word: string;
  /** `<<-`: leading tabs are stripped from the body and the terminator line. */
  readonly tabs: boolean;
}

/** Characters after which a `#` starts a comment (a `#` must begin a word). */
const WORD_BREAK = new Set([" ", "\t", ";", "&", "|", "(", ")", "<", ">"]);

/** The quoted or bare here-document word after `<<` / `<<-` at `line[i]`; its end index. */
function readHereWord(line: string, i: number): { word: string; end: number } | undefined {
  let j = i;
  while (line[j] === " " || line[j] === "\t") j++;
  let word = "";
  while (j < line.length) {
    const c = line[j];
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, j + 1);
      if (close < 0) return undefined;
      word += line.slice(j + 1, close);
      j = close + 1;
    } else if (c === "\\") {
      word += line[j + 1] ?? "";
      j += 2;
    } else if (/[\s;&|()<>]/.test(c)) {
      break;
    } else {
      word += c;
      j++;
    }
  }
  return word === "" ? undefined : { word, end: j };
}

/** Scans one line (without its "\n") from `state`, updating it. */
function scanLine(line: string, state: ScanState): void {
  const { stack } = state;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    const top = stack[stack.length - 1];
    if (top === "'") {
      if (c === "'") stack.pop();
      i++;
      continue;
    }
    if (c === "\\") {
      if (i === line.length - 1) {
        state.continued = true;
        return;
      }
      i += 2;
      continue;
    }
    if (top === '"') {
      if (c === '"') stack.pop();
      else if (c === "`") stack.push("`");
      else if (c === "$" && line[i + 1] === "(") {
        stack.push("$(");
        i++;
      }
      i++;
      continue;
    }
    // Unquoted text: at top level, inside $( ), or inside a backquote.
    if (c === "#" && (i === 0 || WORD_BREAK.has(line[i - 1]))) return;
    if (c === "'" || c === '"') stack.push(c);
    else if (c === "`") {
      if (top === "`") stack.pop();
      else stack.push("`");
    } else if (c === "(") stack.push("$(");
    else if (c === ")" && top === "$(") stack.pop();
    else if (c === "<" && line.startsWith("<<<", i)) {
      i += 3; // a here-string (bash), not a here-document
      continue;
    } else if (c === "<" && line[i + 1] === "<") {
      const tabs = line[i + 2] === "-";
      const at = i + (tabs ? 3 : 2);
      const here = readHereWord(line, at);
      if (here !== undefined) {
        state.pending.push({ word: here.word, tabs });
        i = here.end;
        continue;
      }
      i = at;
      continue;
    }
    i++;
  }
}

function newState(): ScanState {
  return { stack: [], pending: [], body: undefined, continued: false };
}

/** Feeds every line through the lexer; `keep` decides for the lines at a command boundary. */
function walk(text: string, onLine: (line: string, atBoundary: boolean) => void): ScanState {
  const state = newState();
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  for (const line of lines) {
    if (state.body !== undefined) {
      onLine(line, false);
      const bare = state.body.tabs ? line.replace(/^\t+/, "") : line;
      if (bare === state.body.word) state.body = state.pending.shift();
      continue;
    }
    const atBoundary = state.stack.length === 0 && !state.continued;
    onLine(line, atBoundary);
    state.continued = false;
    scanLine(line, state);
    if (!state.continued && state.body === undefined) state.body = state.pending.shift();
  }
  return state;
}

/** `text` without its full-line comments and blank lines (see the module's contract). */
export function stripComments(text: string): string {
  const kept: string[] = [];
  walk(text, (line, atBoundary) => {
    if (atBoundary && /^[ \t]*(#.*)?$/.test(line)) return;
    kept.push(line);
  });
  return kept.length === 0 ? "" : `${kept.join("\n")}\n`;
}

/** Whether `text` ends outside any quote, `$(...)`, backquote, continuation or here-document. */
export function scriptEndsClosed(text: string): boolean {
  const state = walk(text, () => undefined);
  return state.stack.length === 0 && state.body === undefined && state.pending.length === 0 && !state.continued;
}
