/**
 * YAML syntax errors as problems at the line to edit, each with its fix.
 *
 * The parser reports where it noticed a mistake, which is often not where the
 * mistake is: an unclosed quote or bracket is noticed at the end of the file,
 * a missing ': ' on the line below, and one mis-indented line is reported two
 * or three times (and every line below it may follow). So the cause is looked
 * up in the token stream (where the quote or bracket opened) or in the line
 * itself, and after the first error that breaks the structure the rest are
 * dropped: the parser's recovery from it is guesswork. Duplicate keys before
 * that point are all reported; they do not derail the parser.
 */
import { Document, isMap, isSeq, LineCounter, Parser, YAMLError } from 'yaml';

export interface YamlSyntaxProblem {
  readonly line: number;
  /** What is wrong, after "is not valid YAML: ". */
  readonly message: string;
  readonly fix: string;
}

interface Located extends YamlSyntaxProblem {
  readonly code: string;
  /** Whether the structure after it can no longer be trusted. */
  readonly breaksStructure: boolean;
}

const LAYOUT_FIX = 'indent it with spaces to the same column as the other keys of its mapping (or the other items of its list)';

export function yamlSyntaxProblems(text: string, errors: readonly YAMLError[], lineCounter: LineCounter, docs: readonly Document[]): YamlSyntaxProblem[] {
  // Every problem comes from a parser error; the token stream is read only to place them.
  if (errors.length === 0) return [];
  const lines = text.split('\n');
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  const tokens = openingTokens(text);
  // A mis-indented line is reported both as a multi-line key and as a nested mapping in a compact one: the first says where.
  const multiLineStarts = new Set(errors.filter((e) => e.code === 'MULTILINE_IMPLICIT_KEY').map((e) => e.pos[0]));

  const located: Located[] = [];
  for (const err of errors) {
    if (err.code === 'BLOCK_AS_IMPLICIT_KEY' && multiLineStarts.has(err.pos[0])) continue;
    located.push(locate(err));
  }

  function locate(err: YAMLError): Located {
    const reason = firstLine(err.message);
    const at = (line: number, message: string, fix: string, breaksStructure = true): Located => {
      const indentation = /^[ \t]*/.exec(lines[line - 1] ?? '')![0];
      // A tab in the indentation is the mistake, whatever the parser made of it.
      if (indentation.includes('\t')) return { code: 'TAB_AS_INDENT', line, message: 'a tab indents this line', fix: 'indent with spaces only: YAML does not allow tabs in indentation', breaksStructure: true };
      return { code: err.code, line, message, fix, breaksStructure };
    };
    const quote = /^Missing closing (["'])quote/.exec(reason);
    if (err.code === 'MISSING_CHAR' && quote) {
      const opened = tokens.quotes.filter((t) => t.offset < err.pos[0] && t.quote === quote[1] && !t.closed).pop();
      const line = opened ? lineOf(opened.offset) : lineOf(err.pos[0]);
      const name = quote[1] === '"' ? 'double' : 'single';
      return at(line, `the ${name} quote (${quote[1]}) opened on this line is never closed`, `end the quoted text with ${quote[1]} on this line, or remove the opening ${quote[1]}`);
    }
    const flow = /^Flow (sequence|map) in block collection/.exec(reason);
    if (flow) {
      const [open, close] = flow[1] === 'sequence' ? ['[', ']'] : ['{', '}'];
      const opened = tokens.flows.filter((t) => t.offset < err.pos[0] && t.open === open && !t.closed).pop();
      const line = opened ? lineOf(opened.offset) : lineOf(err.pos[0]);
      const fix = flow[1] === 'sequence' ? "end the list with ']' on this line, or write it as a block list, one '- item' per line" : "end the mapping with '}' on this line, or write it as a block mapping, one 'key: value' per line";
      return at(line, `the '${open}' opened on this line is never closed with '${close}'`, fix);
    }
    switch (err.code) {
      case 'TAB_AS_INDENT':
        return { code: err.code, line: lineOf(err.pos[0]), message: 'a tab indents this line', fix: 'indent with spaces only: YAML does not allow tabs in indentation', breaksStructure: true };
      case 'DUPLICATE_KEY': {
        const line = lineOf(err.pos[0]);
        const first = firstOccurrence(docs, err.pos[0]);
        if (!first) return at(line, 'a key appears twice in its mapping', 'keep one of the two: delete this line or the other', false);
        return at(line, `the key '${first.key}' appears twice in its mapping (first at line ${lineOf(first.offset)})`, `keep one '${first.key}': delete this line or line ${lineOf(first.offset)}`, false);
      }
      case 'MULTILINE_IMPLICIT_KEY': {
        // A key that spans lines: either its first line lacks ': ' (the key starts that
        // line), or a line is indented so far that it continues the value above.
        const startLine = lineOf(err.pos[0]);
        const before = (lines[startLine - 1] ?? '').slice(0, lineCounter.linePos(err.pos[0]).col - 1);
        if (/^[ \t]*$/.test(before) && /^[ \t]*-( |$)/.test(lines[startLine - 1] ?? '')) {
          return at(startLine, "a list item ('- ') stands among the keys of a mapping", "indent it under the key whose list it belongs to, or write it as 'key: value'");
        }
        if (/^[ \t]*(- )*$/.test(before)) {
          return at(startLine, "this line has no ': ' after its key", "write the key, a colon and a space, then the value (e.g. 'id: 1'), or remove the line");
        }
        return at(lineOf(err.pos[1]), 'this line is indented further than the keys beside it, so it runs on from the value above', LAYOUT_FIX);
      }
      case 'BLOCK_AS_IMPLICIT_KEY':
        return at(lineOf(err.pos[0]), "a value holds ': ', which starts a mapping that cannot be nested here", 'put the value in quotes (key: "a: b"), or move the nested key to a line of its own, indented under its parent');
      case 'BAD_INDENT':
      case 'MISSING_CHAR':
        return at(lineOf(err.pos[0]), `this line is indented differently from the lines beside it (${reason})`, LAYOUT_FIX);
      default:
        return at(lineOf(err.pos[0]), reason, 'correct the YAML syntax at this line');
    }
  }

  // One problem per line, in file order, up to the first that breaks the structure.
  const byLine = new Map<number, Located>();
  for (const p of located) {
    const first = byLine.get(p.line);
    if (!first || (p.breaksStructure && !first.breaksStructure)) byLine.set(p.line, p);
  }
  const sorted = [...byLine.values()].sort((a, b) => a.line - b.line);
  const end = sorted.findIndex((p) => p.breaksStructure);
  return (end < 0 ? sorted : sorted.slice(0, end + 1)).map(({ line, message, fix }) => ({ line, message, fix }));
}

interface OpeningTokens {
  readonly quotes: { offset: number; quote: string; closed: boolean }[];
  readonly flows: { offset: number; open: string; closed: boolean }[];
}

/** Quoted scalars and flow collections in the concrete syntax tree, with whether each was closed. */
function openingTokens(text: string): OpeningTokens {
  const found: OpeningTokens = { quotes: [], flows: [] };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const token = node as { type?: string; offset?: number; source?: string; start?: { offset: number; source: string }; end?: { source: string }[] };
    if ((token.type === 'double-quoted-scalar' || token.type === 'single-quoted-scalar') && typeof token.source === 'string') {
      const quote = token.source[0];
      found.quotes.push({ offset: token.offset ?? 0, quote, closed: isClosedQuote(token.source, quote) });
    } else if (token.type === 'flow-collection' && token.start) {
      const close = token.start.source === '[' ? ']' : '}';
      found.flows.push({ offset: token.start.offset, open: token.start.source, closed: (token.end ?? []).some((t) => t.source === close) });
    }
    for (const value of Object.values(token)) if (value !== null && typeof value === 'object') visit(value);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return found;
}

function isClosedQuote(source: string, quote: string): boolean {
  if (source.length < 2 || !source.endsWith(quote)) return false;
  if (quote === "'") return true; // '' inside is an escaped quote, and a lone closing ' ends it
  let backslashes = 0;
  for (let i = source.length - 2; i >= 0 && source[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0;
}

/** The first key equal to the duplicate whose key starts at `offset`, in the same mapping. */
function firstOccurrence(docs: readonly Document[], offset: number): { key: string; offset: number } | undefined {
  let result: { key: string; offset: number } | undefined;
  const visit = (node: unknown): void => {
    if (result) return;
    if (isMap(node)) {
      const keyOf = (k: unknown) => String((k as { value?: unknown } | null)?.value ?? k);
      const duplicate = node.items.find((p) => (p.key as { range?: number[] } | null)?.range?.[0] === offset);
      if (duplicate) {
        const first = node.items.find((p) => p !== duplicate && keyOf(p.key) === keyOf(duplicate.key));
        const start = (first?.key as { range?: number[] } | null)?.range?.[0];
        if (first && start !== undefined) result = { key: keyOf(duplicate.key), offset: start };
        return;
      }
      for (const p of node.items) visit(p.value);
    } else if (isSeq(node)) node.items.forEach(visit);
  };
  for (const doc of docs) visit(doc.contents);
  return result;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
