/**
 * A real browser for the tests: Debian's Chromium (/usr/bin/chromium) driven
 * by playwright-core, headless, with a fresh profile, never a browser that
 * playwright downloads. Every request a page makes (http and WebSocket) is
 * recorded so a test can check that all of them went to the node's origin,
 * and screenshots of one test run land in one folder, printed once.
 *
 * @example
 * ```ts
 * const browser = await openBrowser();
 * t.teardown(() => browser.close());
 * await browser.page.goto(url);
 * await browser.screenshot('cluster');
 * t.deepEqual(browser.foreignRequests(url), []);
 * ```
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium package; nothing else is ever launched. */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

/** A request a page made. */
export interface RecordedRequest {
  readonly kind: 'http' | 'ws';
  readonly url: string;
  /** Playwright's resource type (`document`, `script`, `fetch`, `websocket`...). */
  readonly type: string;
}

/** A headless Chromium with one page, recording what the page asks for. */
export interface BrowserSession {
  readonly context: BrowserContext;
  /** The first page; `newPage()` opens more, recorded the same way. */
  readonly page: Page;
  /** Every request of every page of this session, in order. */
  readonly requests: readonly RecordedRequest[];
  /** Uncaught errors and console errors of the pages, as text. */
  readonly pageErrors: readonly string[];
  newPage(): Promise<Page>;
  /**
   * The recorded requests that did not go to `origin` (an http URL such as
   * `http://127.0.0.1:7070/`): http(s) to another scheme, host or port, ws(s)
   * to another host or port. `data:` URLs and the origin's `blob:` URLs stay
   * inside the page and are not counted.
   */
  foreignRequests(origin: string): RecordedRequest[];
  /** Saves a full-page screenshot of `page` (default: the first) as `<name>.png` in the run's folder; returns its path. */
  screenshot(name: string, page?: Page): Promise<string>;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Throws, saying how to install it, when Debian's chromium is missing. */
export function requireChromium(path: string = CHROMIUM): string {
  if (!existsSync(path)) {
    throw new Error(`the browser tests need Chromium at ${path}, and it is missing: apt-get install -y chromium (Debian's package; no test downloads a browser)`);
  }
  return path;
}

/** Launches headless Chromium with a fresh user-data directory and opens a page. */
export async function openBrowser(options: { readonly viewport?: { width: number; height: number }; /** @default CHROMIUM */ readonly executablePath?: string } = {}): Promise<BrowserSession> {
  const executablePath = requireChromium(options.executablePath);
  const profile = await mkdtemp(join(tmpdir(), 'eventide-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ARGS,
      viewport: options.viewport ?? { width: 1400, height: 900 },
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`could not launch ${executablePath}: ${(error as Error).message}`);
  }
  const requests: RecordedRequest[] = [];
  const pageErrors: string[] = [];
  const watch = (page: Page): void => {
    page.on('websocket', (socket) => requests.push({ kind: 'ws', url: socket.url(), type: 'websocket' }));
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${page.url()}: console: ${message.text()}`);
    });
  };
  context.on('request', (request) => {
    // WebSockets are recorded by their own event above; Chromium reports them as requests too.
    if (request.resourceType() !== 'websocket') requests.push({ kind: 'http', url: request.url(), type: request.resourceType() });
  });
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  return {
    context,
    page,
    requests,
    pageErrors,
    newPage: () => context.newPage(),
    foreignRequests: (origin) => requests.filter((request) => !sameOrigin(request, origin)),
    async screenshot(name, target = page) {
      const file = join(screenshotFolder(), `${name}.png`);
      await target.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

function sameOrigin(request: RecordedRequest, origin: string): boolean {
  const home = new URL(origin);
  if (request.url.startsWith('data:')) return true;
  if (request.url.startsWith('blob:')) return request.url.slice('blob:'.length).startsWith(home.origin);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return false;
  }
  const secure = home.protocol === 'https:';
  const scheme = request.kind === 'ws' ? (secure ? 'wss:' : 'ws:') : home.protocol;
  return url.protocol === scheme && url.host === home.host;
}

let folder: string | undefined;

/**
 * The folder of this test run's screenshots, `test-results/screenshots/<time>/`
 * (or `EVENTIDE_SCREENSHOTS`), created on first use and printed by the
 * test file that created it. ava runs
 * each test file in a child process of its own; they share the time at which
 * their parent (the ava run) started, so one run's files land together.
 */
export function screenshotFolder(): string {
  if (folder !== undefined) return folder;
  const chosen = process.env.EVENTIDE_SCREENSHOTS ?? join(ROOT, 'test-results', 'screenshots', runStamp());
  mkdirSync(dirname(chosen), { recursive: true });
  try {
    mkdirSync(chosen);
    // The test file that made the folder says where it is; the run's others use it silently.
    console.log(`screenshots: ${chosen}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  folder = chosen;
  return chosen;
}

/** The start time of the parent process (the ava run) as `2026-12-02T10-31-05`, or now where /proc cannot say. */
function runStamp(): string {
  let started = Date.now();
  try {
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
    // Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces).
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    // Linux reports start times in USER_HZ clock ticks, 100 a second on every common build.
    if (Number.isFinite(bootSeconds) && Number.isFinite(ticks)) started = bootSeconds * 1000 + ticks * 10;
  } catch {
    // Not Linux: each test file gets its own folder.
  }
  return new Date(started).toISOString().slice(0, 19).replaceAll(':', '-');
}
