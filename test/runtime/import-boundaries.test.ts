/**
 * The layering of DESIGN.md ("Dependencies point one way"), checked on the
 * sources, with no exception:
 *
 * ```
 * cli/ ──▶ pipeline/ ──▶ index.ts (the runtime's public API), actors/, protocols/
 *                        runtime/ ──▶ protocols/        actors/ ──▶ protocols/
 * ```
 *
 * The runtime (membership, mailboxes, clock, snapshots, restore,
 * transactions) knows nothing of the query pipeline, its actors or the CLI;
 * only the kafka transport imports kafkajs; actors never reach the runtime, a
 * network or a file; protocols import neither; the pipeline and the CLI use
 * the runtime only as a library user does, through the package entry, which
 * exports nothing of the pipeline.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface ImportStatement {
  /** The specifier as written. */
  readonly specifier: string;
  /** Repository-relative path for a relative specifier, else the specifier (a package or `node:` module). */
  readonly target: string;
  /** `import type` / `export type`: erased at run time. */
  readonly typeOnly: boolean;
}

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/g;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The static and dynamic imports (and re-exports) of a TypeScript source. */
function importsOf(file: string, source: string): ImportStatement[] {
  const target = (specifier: string): string =>
    specifier.startsWith('.') ? relative(root, resolve(dirname(join(root, file)), specifier)).split('\\').join('/') : specifier;
  const found: ImportStatement[] = [];
  for (const match of source.matchAll(IMPORT)) found.push({ specifier: match[3]!, target: target(match[3]!), typeOnly: match[2] !== undefined });
  for (const match of source.matchAll(DYNAMIC_IMPORT)) found.push({ specifier: match[1]!, target: target(match[1]!), typeOnly: false });
  return found;
}

/** Repository-relative paths of the .ts files under `folder`, except under `except`. */
function sourcesUnder(folder: string, except: readonly string[] = []): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (except.includes(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.push(path);
    }
  };
  walk(folder);
  return files.sort();
}

/** `file → specifier` for every import of `files` that `forbidden` rejects. */
function violations(files: readonly string[], forbidden: (statement: ImportStatement) => boolean): string[] {
  return files.flatMap((file) =>
    importsOf(file, readFileSync(join(root, file), 'utf8'))
      .filter(forbidden)
      .map((statement) => `${file} → ${statement.specifier}`),
  );
}

const within = (target: string, ...folders: string[]): boolean => folders.some((folder) => target === folder || target.startsWith(`${folder}/`));

const TRANSPORTS = ['runtime/kafka', 'runtime/memory'];
const runtime = sourcesUnder('runtime');
const genericRuntime = sourcesUnder('runtime', TRANSPORTS);
const APPLICATION = ['pipeline', 'actors', 'cli', 'index.ts'];
/** Node modules that do I/O: none of them belongs in a pure layer. */
const IO_MODULES = ['fs', 'fs/promises', 'net', 'tls', 'http', 'https', 'http2', 'dgram', 'dns', 'child_process', 'cluster', 'worker_threads'].flatMap((name) => [name, `node:${name}`]);

/** Whether a statement imports another file of the repository (not a package or a node: module). */
const isLocal = (statement: ImportStatement): boolean => statement.specifier.startsWith('.');

test('the import reader finds static, type-only, re-exported and dynamic imports', (t) => {
  const source = [
    "import { a } from './a.ts';",
    "import type { B } from '../pipeline/b.ts';",
    "export { c } from 'kafkajs';",
    'import {\n  d,\n  e,\n} from "node:net";',
    "const f = await import('../actors/f.ts');",
    "import './side-effect.ts';",
  ].join('\n');
  t.deepEqual(importsOf('runtime/x.ts', source), [
    { specifier: './a.ts', target: 'runtime/a.ts', typeOnly: false },
    { specifier: '../pipeline/b.ts', target: 'pipeline/b.ts', typeOnly: true },
    { specifier: 'kafkajs', target: 'kafkajs', typeOnly: false },
    { specifier: 'node:net', target: 'node:net', typeOnly: false },
    { specifier: './side-effect.ts', target: 'runtime/side-effect.ts', typeOnly: false },
    { specifier: '../actors/f.ts', target: 'actors/f.ts', typeOnly: false },
  ]);
});

test('the layers are found where DESIGN.md puts them, and the CLI is no longer inside the runtime', (t) => {
  t.true(genericRuntime.includes('runtime/partition-host.ts') && genericRuntime.includes('runtime/node.ts'), 'the generic part is found');
  t.false(genericRuntime.some((file) => within(file, ...TRANSPORTS)));
  t.true(sourcesUnder('cli').includes('cli/main.ts'));
  t.true(sourcesUnder('pipeline').includes('pipeline/stages.ts'));
  t.false(runtime.some((file) => within(file, 'runtime/cli')));
});

test('the generic runtime imports nothing of the query pipeline or its actors', (t) => {
  t.deepEqual(violations(genericRuntime, (statement) => within(statement.target, 'pipeline', 'actors')), []);
});

test('nothing in the runtime, transports included, imports the pipeline, the actors, the CLI or the package entry', (t) => {
  t.deepEqual(violations(runtime, (statement) => within(statement.target, ...APPLICATION)), []);
});

test('the generic runtime reaches Kafka and the in-process log only through the transport contract', (t) => {
  t.deepEqual(violations(genericRuntime, (statement) => statement.target === 'kafkajs' || within(statement.target, ...TRANSPORTS, 'runtime/cli')), []);
});

test('only the kafka transport imports kafkajs, not even its types elsewhere', (t) => {
  const everywhere = ['actors', 'protocols', 'pipeline', 'runtime', 'cli'].flatMap((folder) => sourcesUnder(folder, ['runtime/kafka']));
  t.true(everywhere.includes('cli/connection.ts'));
  t.deepEqual(violations([...everywhere, 'index.ts'], (statement) => statement.target === 'kafkajs'), []);
});

test('actors import no network, no kafkajs and nothing of the runtime but the stage contract, as types', (t) => {
  const actors = sourcesUnder('actors');
  t.true(actors.includes('actors/parse.ts'));
  const forbidden = (statement: ImportStatement): boolean =>
    statement.target === 'kafkajs' ||
    statement.target === 'node:net' ||
    statement.target === 'net' ||
    (within(statement.target, 'runtime') && !(statement.typeOnly && statement.target === 'runtime/stage.ts'));
  t.deepEqual(violations(actors, forbidden), []);
});

test('actors import only actors/, protocols/ and xstate: never the runtime (not even as types), a network, a file or a process', (t) => {
  const forbidden = (statement: ImportStatement): boolean =>
    isLocal(statement) ? !within(statement.target, 'actors', 'protocols') : statement.target !== 'xstate';
  t.deepEqual(violations(sourcesUnder('actors'), forbidden), []);
});

test('parse and match take the stage contract from protocols/, not from the runtime', (t) => {
  t.deepEqual(violations(['actors/parse.ts', 'actors/match.ts'], (statement) => within(statement.target, 'runtime')), []);
});

test('protocols import neither the runtime nor the actors', (t) => {
  t.deepEqual(violations(sourcesUnder('protocols'), (statement) => within(statement.target, 'runtime', 'actors', 'pipeline') || statement.target === 'kafkajs'), []);
});

test('protocols import only protocols/ and do no I/O', (t) => {
  const forbidden = (statement: ImportStatement): boolean =>
    isLocal(statement) ? !within(statement.target, 'protocols') : statement.target === 'kafkajs' || IO_MODULES.includes(statement.target);
  t.deepEqual(violations(sourcesUnder('protocols'), forbidden), []);
});

test('the pipeline uses the runtime only through the package entry, as a library user does, and knows nothing of the CLI', (t) => {
  const forbidden = (statement: ImportStatement): boolean => isLocal(statement) && !within(statement.target, 'pipeline', 'actors', 'protocols', 'index.ts');
  t.deepEqual(violations(sourcesUnder('pipeline'), forbidden), []);
});

test('the CLI uses the pipeline, the protocols and the runtime\'s public API, never the runtime\'s internals or the actors directly', (t) => {
  const forbidden = (statement: ImportStatement): boolean => isLocal(statement) && !within(statement.target, 'cli', 'pipeline', 'protocols', 'index.ts');
  t.deepEqual(violations(sourcesUnder('cli'), forbidden), []);
});

test('the package entry exports the generic runtime and its transports, never the query pipeline', (t) => {
  const entry = importsOf('index.ts', readFileSync(join(root, 'index.ts'), 'utf8'));
  t.true(entry.some((statement) => statement.target === 'runtime/stage.ts'));
  t.deepEqual(entry.filter((statement) => within(statement.target, 'pipeline', 'actors', 'runtime/cli', 'cli')).map((statement) => statement.specifier), []);
});
