/**
 * One parser for every command's arguments: node's util.parseArgs, strict, with
 * the options and positional arguments the command declares. An unknown
 * option or a missing value is a UsageError that says the fix (and the option
 * meant, when one is a likely misspelling); -h/--help is answered here for
 * every command.
 */
import { parseArgs } from 'util';
import { editDistance } from '../report/edit-distance';
import { CommandLine, CommandOption, UsageError } from './command';

export interface CommandLineSpec {
  /** Words that select the command, e.g. ['ca', 'init']. */
  readonly words: readonly string[];
  readonly options?: Readonly<Record<string, CommandOption>>;
  /** Positional arguments, in order; all are required. */
  readonly positionals?: readonly string[];
}

export function parseCommandLine(spec: CommandLineSpec, args: readonly string[]): CommandLine {
  const options = spec.options ?? {};
  const usage = `usage: ${synopsis(spec)}`;
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      // parseArgs refuses keys present with undefined values.
      options: Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }])),
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw usageErrorOf(err as Error & { code?: string }, spec, args, usage);
  }
  const wanted = spec.positionals ?? [];
  if (parsed.positionals.length > wanted.length) {
    const extra = parsed.positionals.slice(wanted.length);
    throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''} '${extra.join(' ')}'`, `leave ${extra.length > 1 ? 'them' : 'it'} out; ${usage}`);
  }
  if (parsed.positionals.length < wanted.length) {
    throw new UsageError(`no ${wanted[parsed.positionals.length]} was given`, `give it: ${usage}`);
  }
  return { values: parsed.values as CommandLine['values'], positionals: parsed.positionals };
}

function usageErrorOf(err: Error & { code?: string }, spec: CommandLineSpec, args: readonly string[], usage: string): UsageError {
  const known = Object.keys(spec.options ?? {}).map((n) => `--${n}`);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'([^']+)'/.exec(err.message)?.[1] ?? args.find((a) => a.startsWith('-')) ?? '';
    const name = given.split('=')[0];
    const meant = closest(name, known);
    if (meant) return new UsageError(`unknown option '${name}'`, `did you mean ${meant}? ${usage}`);
    return new UsageError(`unknown option '${name}'`, known.length === 0 ? `leave it out: ${spec.words.join(' ')} takes no options` : `use one of ${known.join(', ')}; ${usage}`);
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /'(--?[a-z-]+)/.exec(err.message)?.[1] ?? 'the option';
    return new UsageError(`${name} needs a value`, `write ${name} VALUE (or ${name}=VALUE); ${usage}`);
  }
  return new UsageError(err.message.replace(/\.$/, ''), usage);
}

/** The one-line synopsis: npm run mesh -- ca init [--days N] */
export function synopsis(spec: CommandLineSpec): string {
  const options = Object.entries(spec.options ?? {}).map(([name, o]) => `[--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}]${o.multiple ? '...' : ''}`);
  return ['npm run mesh --', ...spec.words, ...(spec.positionals ?? []), ...options].join(' ');
}

/** The help text of a command: its synopsis, summary and options. */
export function helpText(spec: CommandLineSpec & { readonly summary: string }): string {
  const options = Object.entries(spec.options ?? {});
  const width = Math.max(0, ...options.map(([name, o]) => optionLabel(name, o).length));
  return [
    `usage: ${synopsis(spec)}`,
    '',
    spec.summary,
    ...(options.length > 0 ? ['', 'options:', ...options.map(([name, o]) => `  ${optionLabel(name, o).padEnd(width)}  ${o.description}`)] : []),
    '  -h, --help'.padEnd(width + 2) + '  print this help',
    '',
  ].join('\n');
}

function optionLabel(name: string, o: CommandOption): string {
  return `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
}

/** The candidate `word` starts (an abbreviation), or the one clearly nearest within a few edits (a misspelling). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const extended = candidates.filter((c) => word.length >= 3 && c.startsWith(word));
  if (extended.length === 1) return extended[0];
  const scored = candidates.map((c) => ({ c, d: editDistance(word, c) })).filter((s) => s.d <= Math.max(2, Math.floor(word.length / 4)));
  scored.sort((a, b) => a.d - b.d);
  return scored.length > 0 && (scored.length === 1 || scored[0].d < scored[1].d) ? scored[0].c : undefined;
}
