/**
 * The layering of DESIGN.md, checked on the sources: the runtime's generic
 * part (membership, mailboxes, clock, snapshots, restore, transactions) knows
 * nothing of the query pipeline, actors never reach the runtime or a network,
 * and the package entry exports only the generic runtime.
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

const TRANSPORTS_AND_CLI = ['runtime/cli', 'runtime/kafka', 'runtime/memory'];
const genericRuntime = sourcesUnder('runtime', TRANSPORTS_AND_CLI);

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

test('the generic runtime imports nothing of the query pipeline or its actors', (t) => {
  t.true(genericRuntime.includes('runtime/partition-host.ts') && genericRuntime.includes('runtime/node.ts'), 'the generic part is found');
  t.false(genericRuntime.some((file) => within(file, ...TRANSPORTS_AND_CLI)));
  t.deepEqual(violations(genericRuntime, (statement) => within(statement.target, 'pipeline', 'actors')), []);
});

test('the generic runtime reaches Kafka and the in-process log only through the transport contract', (t) => {
  t.deepEqual(violations(genericRuntime, (statement) => statement.target === 'kafkajs' || within(statement.target, ...TRANSPORTS_AND_CLI)), []);
});

test('only the kafka transport imports kafkajs (the CLI may name its config types)', (t) => {
  const library = ['actors', 'protocols', 'pipeline', 'runtime'].flatMap((folder) => sourcesUnder(folder, ['runtime/kafka', 'runtime/cli']));
  t.deepEqual(violations([...library, 'index.ts'], (statement) => statement.target === 'kafkajs'), []);
  t.deepEqual(violations(sourcesUnder('runtime/cli'), (statement) => statement.target === 'kafkajs' && !statement.typeOnly), []);
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

test('parse and match take the stage contract from protocols/, not from the runtime', (t) => {
  t.deepEqual(violations(['actors/parse.ts', 'actors/match.ts'], (statement) => within(statement.target, 'runtime')), []);
});

test('protocols import neither the runtime nor the actors', (t) => {
  t.deepEqual(violations(sourcesUnder('protocols'), (statement) => within(statement.target, 'runtime', 'actors', 'pipeline') || statement.target === 'kafkajs'), []);
});

test('the package entry exports the generic runtime and its transports, never the query pipeline', (t) => {
  const entry = importsOf('index.ts', readFileSync(join(root, 'index.ts'), 'utf8'));
  t.true(entry.some((statement) => statement.target === 'runtime/stage.ts'));
  t.deepEqual(entry.filter((statement) => within(statement.target, 'pipeline', 'actors', 'runtime/cli')).map((statement) => statement.specifier), []);
});
