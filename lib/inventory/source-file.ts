/**
 * One inventory file, parsed with positions so problems can name a line.
 */
import { Document, isMap, isScalar, isSeq, LineCounter, Node, parseAllDocuments } from 'yaml';
import { FileSystemError } from '../fs/file-system-error';
import { readProjectFile } from '../fs/read-file';
import { formatFieldPath, Problem } from '../report/problems';
import { yamlSyntaxProblems } from './yaml-syntax';

export type FieldPath = readonly (string | number)[];

/** One strict decoder for every file (a decode without `stream` starts afresh). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class SourceFile {
  /** Reads and parses a file (a regular file, never a symbolic link); problems (unreadable, not UTF-8, malformed YAML) are returned, not thrown. */
  static read(absolutePath: string, displayPath: string): { file?: SourceFile; problems: Problem[] } {
    let bytes: Buffer;
    try {
      // A link is refused, not followed: git keeps the link, not what it points to, so the
      // target is no reviewed part of the inventory, and messages quote a file's content.
      bytes = readProjectFile(absolutePath, { noSymlink: true, symlinkFix: SYMLINK_FIX });
    } catch (err) {
      if (!(err instanceof FileSystemError)) throw err;
      return { problems: [fileProblem(displayPath, err.problem, err.fix)] };
    }
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch {
      return { problems: [fileProblem(displayPath, 'is not valid UTF-8 text', 'save the file as UTF-8')] };
    }
    return SourceFile.parse(text, displayPath);
  }

  static parse(text: string, displayPath: string): { file?: SourceFile; problems: Problem[] } {
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    if (!Array.isArray(docs) || docs.length === 0) {
      return { problems: [fileProblem(displayPath, 'is empty', 'describe one object in the file, or delete the file')] };
    }
    const doc = docs[0];
    const problems: Problem[] = yamlSyntaxProblems(text, docs.flatMap((d) => d.errors), lineCounter, docs).map(({ line, message, fix }) => ({
      severity: 'error' as const,
      file: displayPath,
      field: '',
      line,
      message: `is not valid YAML: ${message}`,
      fix,
    }));
    if (problems.length > 0) return { problems };
    if (docs.length > 1) {
      const line = docs[1].range ? lineCounter.linePos(docs[1].range[0]).line : undefined;
      return { problems: [{ ...fileProblem(displayPath, 'holds more than one YAML document', 'keep one document per file'), line }] };
    }
    try {
      const file = new SourceFile(displayPath, doc, lineCounter);
      const tagged = notPlainData(file.data).map(({ path, kind }) =>
        file.problem(path, `is ${kind}, not plain data`, 'remove the tag and write a string, number, list or mapping'),
      );
      return tagged.length > 0 ? { problems: tagged } : { file, problems: [] };
    } catch (err) {
      // Converting to data can still fail: an alias to an anchor that does not
      // exist, or more aliases than maxAliasCount (an exponential "billion laughs").
      return { problems: [fileProblem(displayPath, `is not valid YAML: ${firstLine((err as Error).message)}`, 'define each anchor (&name) before its alias (*name), and use aliases sparingly')] };
    }
  }

  readonly data: unknown;

  private constructor(
    readonly path: string,
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {
    this.data = doc.toJS({ maxAliasCount: 100 });
  }

  /**
   * Line of the value at `path`, or of its key when `atKey`; falls back to the
   * nearest enclosing node that exists.
   */
  lineOf(path: FieldPath, atKey = false): number | undefined {
    let node: unknown = this.doc.contents;
    let line = this.lineAt(node);
    for (let i = 0; i < path.length; i++) {
      const step = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(step));
        if (!pair) return line;
        if (atKey && i === path.length - 1) return this.lineAt(pair.key) ?? line;
        node = pair.value;
        line = this.lineAt(node) ?? this.lineAt(pair.key) ?? line;
      } else if (isSeq(node) && typeof step === 'number') {
        node = node.items[step];
        line = this.lineAt(node) ?? line;
      } else {
        return line;
      }
    }
    return line;
  }

  /** The text of a scalar as written in the file (e.g. `1.20`, which YAML reads as the number 1.2). */
  sourceText(path: FieldPath): string | undefined {
    let node: unknown = this.doc.contents;
    for (const step of path) {
      if (isMap(node)) node = node.items.find((p) => keyText(p.key) === String(step))?.value;
      else if (isSeq(node) && typeof step === 'number') node = node.items[step];
      else return undefined;
    }
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  }

  /** A problem about a field of this file, with its line. */
  problem(path: FieldPath, message: string, fix: string, options: { atKey?: boolean; severity?: 'error' | 'warning' } = {}): Problem {
    return {
      severity: options.severity ?? 'error',
      file: this.path,
      field: formatFieldPath(path),
      line: this.lineOf(path, options.atKey),
      message,
      fix,
    };
  }

  private lineAt(node: unknown): number | undefined {
    const range = (node as Node | undefined)?.range;
    return range ? this.lineCounter.linePos(range[0]).line : undefined;
  }
}

function keyText(key: unknown): string | undefined {
  if (key === null || key === undefined) return undefined;
  if (typeof key === 'object' && 'value' in (key as object)) return String((key as { value: unknown }).value);
  return String(key);
}

const SYMLINK_FIX = 'replace the link with a copy of the file itself: files in the inventory folder must be regular files, as git stores a link and not what it points to';

function fileProblem(file: string, message: string, fix: string): Problem {
  return { severity: 'error', file, field: '', message, fix };
}

/**
 * Where data holds what JSON cannot (binary data, a date, a set, an ordered map from a YAML tag):
 * the schema checks would walk into it as if it were a mapping (a Buffer's methods included).
 */
function notPlainData(value: unknown, path: FieldPath = []): { path: FieldPath; kind: string }[] {
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => notPlainData(item, [...path, i]));
  if (Object.getPrototypeOf(value) === Object.prototype) return Object.entries(value).flatMap(([key, item]) => notPlainData(item, [...path, key]));
  const kind =
    value instanceof Uint8Array ? 'binary data (YAML tag !!binary)'
    : value instanceof Date ? 'a date (YAML tag !!timestamp)'
    : value instanceof Set ? 'a set (YAML tag !!set)'
    : value instanceof Map ? 'an ordered map (YAML tag !!omap or !!pairs)'
    : 'a value of a YAML tag';
  return [{ path, kind }];
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
