/**
 * What `npm pack` ships: the built JavaScript with its declarations, the
 * bin, README, LICENSE and CHANGELOG; never tests, fixtures, benchmarks,
 * examples or TypeScript sources. Runs the real `prepack` (the build).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface PackEntry {
  readonly files: readonly { readonly path: string }[];
  readonly version: string;
}

async function packedFiles(): Promise<{ files: string[]; version: string }> {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts=false'], { cwd: root, maxBuffer: 32 * 1024 * 1024 });
  const [entry] = JSON.parse(stdout) as PackEntry[];
  return { files: entry!.files.map((file) => file.path).sort(), version: entry!.version };
}

const packed = packedFiles();

test('the tarball ships the built entry with its declarations, the bin and the documents', async (t) => {
  const { files } = await packed;
  for (const path of ['dist/index.js', 'dist/index.d.ts', 'dist/runtime/stage.js', 'dist/runtime/stage.d.ts', 'dist/cli/main.js', 'dist/runtime/inspector/ui/index.html', 'dist/runtime/inspector/ui/app.js', 'dist/runtime/inspector/ui/app.css', 'bin/eventide.js', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    t.true(files.includes(path), `${path} is packed`);
  }
});

test('the tarball holds no tests, fixtures, benchmarks, examples or TypeScript sources', async (t) => {
  const { files } = await packed;
  const unwanted = files.filter(
    (path) =>
      /(^|\/)(test|tests|fixtures|bench|examples|scripts|docs)\//.test(path) ||
      /\.test\.(ts|js)$/.test(path) ||
      (path.endsWith('.ts') && !path.endsWith('.d.ts')) ||
      path.startsWith('node_modules/'),
  );
  t.deepEqual(unwanted, []);
  t.true(files.every((path) => path.startsWith('dist/') || ['bin/eventide.js', 'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(path)), files.join('\n'));
});

test('the exports map points at packed files, and the built entry exports the API', async (t) => {
  const { files, version } = await packed;
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; exports: Record<string, Record<string, string>> };
  t.is(version, manifest.version);
  const main = manifest.exports['.']!;
  t.true(files.includes(main.types!.replace(/^\.\//, '')));
  t.true(files.includes(main.import!.replace(/^\.\//, '')));
  const api = (await import(pathToFileURL(join(root, main.import!)).href)) as Record<string, unknown>;
  for (const name of ['defineStage', 'defineTable', 'createNode', 'EventideNode', 'ManualClock', 'systemClock', 'MemoryLog', 'memoryTransport', 'kafkaTransport', 'DecodeError', 'ConfigError']) {
    t.not(api[name], undefined, `${name} is exported`);
  }
});
