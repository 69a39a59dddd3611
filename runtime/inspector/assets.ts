/**
 * The inspector page's files, keyed by URL path (`/`, `/app.js`,
 * `/app.css`), for the server to answer from memory.
 *
 * In a checkout the page's sources sit in `ui/` beside this module and are
 * bundled here with esbuild, once per process. A published package has no
 * sources (and no esbuild): `npm run build` wrote the bundled files into
 * `ui/` beside the built module, and they are read as they are.
 *
 * @example
 * ```ts
 * const assets = await inspectorAssets(); // once, when the server starts
 * const page = assets.get('/');           // { body, contentType: 'text/html; charset=utf-8' }
 * ```
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file of the page: its bytes and content type. */
export interface InspectorAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

const uiDirectory = fileURLToPath(new URL('./ui/', import.meta.url));
const entry = join(uiDirectory, 'main.ts');
const FILES = [
  { path: '/', file: 'index.html', contentType: 'text/html; charset=utf-8' },
  { path: '/app.js', file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  { path: '/app.css', file: 'app.css', contentType: 'text/css; charset=utf-8' },
] as const;

let assets: Promise<ReadonlyMap<string, InspectorAsset>> | undefined;

/** The page's files, bundled or read once per process. */
export function inspectorAssets(): Promise<ReadonlyMap<string, InspectorAsset>> {
  assets ??= loadAssets();
  assets.catch(() => { assets = undefined; });
  return assets;
}

async function loadAssets(): Promise<ReadonlyMap<string, InspectorAsset>> {
  if (existsSync(entry)) {
    try {
      return await bundleFromSources();
    } catch (error) {
      if (!isMissingEsbuild(error)) throw error;
      if (!prebuiltPresent()) throw new Error(`the inspector page's sources are in ${uiDirectory} but esbuild, which bundles them, is not installed (it is a devDependency: run npm install), and no prebuilt page is there either`);
    }
  }
  if (!prebuiltPresent()) throw new Error(`the inspector page is missing: neither its sources (${entry}) nor the prebuilt files (${FILES.map((f) => f.file).join(', ')} in ${uiDirectory}) are there; run npm run build`);
  const files = new Map<string, InspectorAsset>();
  for (const { path, file, contentType } of FILES) files.set(path, { body: await readFile(join(uiDirectory, file)), contentType });
  return files;
}

const prebuiltPresent = (): boolean => FILES.every(({ file }) => existsSync(join(uiDirectory, file)));

function isMissingEsbuild(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes('esbuild');
}

async function bundleFromSources(): Promise<ReadonlyMap<string, InspectorAsset>> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    legalComments: 'none',
    logLevel: 'silent',
    outfile: 'app.js',
  });
  const script = result.outputFiles.find((file) => file.path.endsWith('.js'));
  if (script === undefined) throw new Error('esbuild produced no script for the inspector page');
  const styles = await readFile(join(uiDirectory, 'app.css'));
  const index = await readFile(join(uiDirectory, 'index.html'));
  return new Map<string, InspectorAsset>([
    ['/', { body: index, contentType: FILES[0].contentType }],
    ['/app.js', { body: Buffer.from(script.contents), contentType: FILES[1].contentType }],
    ['/app.css', { body: styles, contentType: FILES[2].contentType }],
  ]);
}

/** Writes the bundled page into `directory` (what `npm run build` ships in dist/). */
export async function writeInspectorAssets(directory: string): Promise<void> {
  const files = await inspectorAssets();
  await mkdir(directory, { recursive: true });
  for (const { path, file } of FILES) await writeFile(join(directory, file), files.get(path)!.body);
}
