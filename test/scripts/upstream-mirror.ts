/**
 * A local HTTP mirror of the upstream files in the layout of ../shared, for the tests of
 * `npm run test-data`: it serves UPSTREAM_DIR, and stands in for the upstream test sources
 * ../shared does not keep (it keeps only the age key file taken out of each). A stand-in holds
 * the identity and recipient where the upstream source has them, in the source's own shape, so
 * the key file taken out of it must still match its pinned SHA-256 (pinned from the real
 * source); only the stand-in's own pin differs, in MIRROR_MANIFEST.
 */
import { createHash } from 'crypto';
import { existsSync, readFileSync, statSync } from 'fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { join } from 'path';
import { KEY_SOURCES, UPSTREAM_DIR, UPSTREAM_MANIFEST } from '../support/paths';

export interface ManifestFile {
  readonly path: string;
  readonly sha256: string;
  readonly url?: string;
  readonly fromArchive?: string;
  readonly member?: string;
  readonly fromSource?: string;
  readonly ageIdentity?: string;
  readonly ageRecipient?: string;
}

export const FILES = UPSTREAM_MANIFEST.files as readonly ManifestFile[];

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The identity and the `# public key:` recipient of an age key file in UPSTREAM_DIR. */
function keyOf(rel: string): { identity: string; recipient: string } | undefined {
  const file = join(UPSTREAM_DIR, rel);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  const identity = /^AGE-SECRET-KEY-1\S+$/m.exec(text)?.[0];
  const recipient = /^# public key: (age1\S+)/m.exec(text)?.[1];
  return identity && recipient ? { identity, recipient } : undefined;
}

const CARLPETT = 'sops-vectors/carlpett-terraform-provider-sops-pr145';
const ROPS = 'sops-vectors/gibbz00-rops';

/** How to stand in for each upstream test source ../shared may lack, from what ../shared keeps. */
const STAND_IN_BUILDERS: Readonly<Record<string, () => string | undefined>> = {
  // ../shared keeps lines 171-260 of the Go test, the two age tests with their keys, unmodified.
  [`${CARLPETT}/data_sops_file_test.go`]: () => {
    const excerpt = join(UPSTREAM_DIR, CARLPETT, 'data_sops_file_test.go.excerpt');
    return existsSync(excerpt) ? `package sops\n${readFileSync(excerpt, 'utf8')}` : undefined;
  },
  // The rops mocks (crates/lib/src/integration/age.rs), around the key ../shared keeps.
  [`${ROPS}/age.rs`]: () => {
    const key = keyOf(`${ROPS}/age-key.txt`);
    if (!key) return undefined;
    return [
      '#[cfg(feature = "test-utils")]',
      'mod mock {',
      '    impl MockDisplayTestUtil for age::x25519::Recipient {',
      '        fn mock_display() -> String {',
      `            "${key.recipient}".to_string()`,
      '        }',
      '    }',
      '    impl IntegrationTestUtils for AgeIntegration {',
      '        fn mock_private_key_str() -> impl AsRef<str> {',
      `            "${key.identity}"`,
      '        }',
      '    }',
      '}',
      '',
    ].join('\n');
  },
};

/** The stand-ins this UPSTREAM_DIR needs: key sources it lacks. */
export const STAND_INS: ReadonlyMap<string, Buffer> = new Map(
  [...KEY_SOURCES]
    .filter((source) => !existsSync(join(UPSTREAM_DIR, source)))
    .flatMap((source) => {
      const text = STAND_IN_BUILDERS[source]?.();
      return text === undefined ? [] : [[source, Buffer.from(text)] as const];
    }),
);

/** The manifest with each stand-in's own SHA-256 in place of the real source's. */
export const MIRROR_MANIFEST = {
  ...UPSTREAM_MANIFEST,
  files: FILES.map((f) => (STAND_INS.has(f.path) ? { ...f, sha256: sha256(STAND_INS.get(f.path)!) } : f)),
};

/** What the mirror needs from UPSTREAM_DIR: every pinned file but the stood-in sources. */
export const MIRROR_NEEDS: readonly string[] = FILES.map((f) => f.path).filter((p) => !STAND_INS.has(p));

/** What the mirror answers for `path`, or undefined (404). */
export function mirrorBody(path: string): Buffer | undefined {
  const file = join(UPSTREAM_DIR, path);
  if (path.includes('..')) return undefined;
  if (existsSync(file) && statSync(file).isFile()) return readFileSync(file);
  return STAND_INS.get(path);
}

/** Serves the mirror; `alter` may change what one path answers. Counts the requests. */
export class Mirror {
  requests: string[] = [];
  alter: (path: string, body: Buffer, res: ServerResponse) => Buffer | 'handled' = (_p, body) => body;
  private server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    this.requests.push(path);
    const found = mirrorBody(path);
    if (found === undefined) {
      res.writeHead(404).end();
      return;
    }
    const body = this.alter(path, found, res);
    if (body !== 'handled') res.writeHead(200, { 'content-length': body.length }).end(body);
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}
