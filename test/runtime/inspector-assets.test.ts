/**
 * The inspector page's files as the server gets them from assets.ts: bundled
 * from the sources in a checkout, read from the prebuilt files in a published
 * package, and loading nothing from anywhere but the node.
 */
import test from 'ava';
import { copyFile, mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { inspectorAssets, writeInspectorAssets, type InspectorAsset } from '../../runtime/inspector/assets.ts';

type Assets = ReadonlyMap<string, InspectorAsset>;
const assetsModule = fileURLToPath(new URL('../../runtime/inspector/assets.ts', import.meta.url));
const text = (assets: Assets, path: string): string => assets.get(path)!.body.toString('utf8');

test('a checkout bundles the page from its sources: index, script and styles with their content types', async (t) => {
  const assets = await inspectorAssets();
  t.deepEqual([...assets.keys()].sort(), ['/', '/app.css', '/app.js']);
  t.is(assets.get('/')!.contentType, 'text/html; charset=utf-8');
  t.is(assets.get('/app.js')!.contentType, 'text/javascript; charset=utf-8');
  t.is(assets.get('/app.css')!.contentType, 'text/css; charset=utf-8');
  t.true(text(assets, '/').includes('<div id="app">'));
  // The bundle holds the page's code, preact and elkjs, minified.
  t.true(text(assets, '/app.js').includes('live-status'));
  t.true(text(assets, '/app.js').includes('elk.algorithm'));
  t.false(text(assets, '/app.js').includes("The page's one WebSocket"), 'doc comments are left out');
});

test('the page is bundled once per process', async (t) => {
  t.is(await inspectorAssets(), await inspectorAssets());
});

test('the index refers only to files the node serves, on its own origin', async (t) => {
  const assets = await inspectorAssets();
  const references = [...text(assets, '/').matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]!);
  t.true(references.length >= 2);
  for (const reference of references) {
    if (reference.startsWith('data:')) continue;
    t.regex(reference, /^\/(?!\/)/, `${reference} is not a same-origin path`);
    t.true(assets.has(reference), `${reference} is not served`);
  }
});

test('no absolute URL in the bundle or the styles except XML namespace names', async (t) => {
  const assets = await inspectorAssets();
  // Namespace names are identifiers, never fetched: SVG and MathML in preact, XML Schema and EMF in elkjs.
  const namespaces = /^https?:\/\/(www\.w3\.org|www\.eclipse\.org)\//;
  for (const path of ['/app.js', '/app.css', '/']) {
    const urls = [...text(assets, path).matchAll(/(?:https?|wss?):\/\/[A-Za-z0-9][^\s"'`)\\]*/g)].map((match) => match[0]);
    const foreign = urls.filter((url) => !namespaces.test(url));
    t.deepEqual(foreign, [], `absolute URLs in ${path}`);
  }
  t.notRegex(text(assets, '/app.css'), /@import|url\((?!["']?data:)/);
});

test('the bundle never fetches or connects to an absolute URL', async (t) => {
  const script = text(await inspectorAssets(), '/app.js');
  // Matches are reported, not the 1.5 MB script.
  const found = (pattern: RegExp): string[] => [...script.matchAll(pattern)].map((match) => script.slice(match.index, match.index + 80));
  t.deepEqual(found(/fetch\(\s*["'`](?:[a-z]+:)?\/\//gi), [], 'fetch of an absolute URL');
  t.deepEqual(found(/WebSocket\(\s*["'`]wss?:/gi), [], 'a WebSocket to a fixed address');
  t.deepEqual(found(/XMLHttpRequest|importScripts|sendBeacon/g), [], 'other ways to load');
  t.deepEqual(found(/\bimport\(\s*["'`]/g), [], 'a dynamic import');
});

test('a published package reads the prebuilt page that the build wrote, and names what is missing when it is not there', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'eventide-assets-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  // A package: the module without the page's sources beside it.
  await copyFile(assetsModule, join(directory, 'assets.ts'));
  const published = (await import(pathToFileURL(join(directory, 'assets.ts')).href)) as typeof import('../../runtime/inspector/assets.ts');
  const missing = await t.throwsAsync(published.inspectorAssets());
  t.regex(missing!.message, /the inspector page is missing: .*run npm run build/);

  await mkdir(join(directory, 'ui'));
  await writeInspectorAssets(join(directory, 'ui'));
  const prebuilt = await published.inspectorAssets();
  const bundled = await inspectorAssets();
  t.deepEqual([...prebuilt.keys()].sort(), [...bundled.keys()].sort());
  for (const [path, asset] of bundled) {
    t.true(prebuilt.get(path)!.body.equals(asset.body), path);
    t.is(prebuilt.get(path)!.contentType, asset.contentType);
  }
});
