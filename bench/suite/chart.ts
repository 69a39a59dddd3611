/**
 * The suite's chart: throughput and latency of eventide against its peers,
 * drawn as SVG (one panel of horizontal bars per figure, each bar its median
 * with a whisker over the range of its runs) and rendered to PNG by Debian's
 * Chromium through playwright-core, the browser the inspector's tests use.
 */
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** One bar: a contestant's median, with the range of its runs. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly min?: number;
  readonly max?: number;
  /** eventide's bars are drawn in its colour, the peers' in grey. */
  readonly ours: boolean;
}

/** One panel: a figure and its bars. */
export interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly bars: readonly Bar[];
}

const WIDTH = 960;
const LABEL_WIDTH = 300;
const BAR_HEIGHT = 26;
const PANEL_GAP = 34;
const TITLE_HEIGHT = 26;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const formatValue = (value: number, unit: string): string =>
  `${value >= 10_000 ? `${(value / 1000).toFixed(value >= 100_000 ? 0 : 1)}k` : value >= 100 ? Math.round(value).toString() : value.toPrecision(3)} ${unit}`;

/** The chart as an SVG document; `subheading` lines go under the heading. */
export function chartSvg(heading: string, subheading: readonly string[], panels: readonly Panel[]): string {
  const parts: string[] = subheading.map((line, i) => `<text x="24" y="${54 + i * 17}" class="sub">${escape(line)}</text>`);
  let y = 50 + subheading.length * 17;
  const plotWidth = WIDTH - LABEL_WIDTH - 150;
  for (const panel of panels) {
    const bars = panel.bars.filter((bar) => Number.isFinite(bar.value));
    parts.push(`<text x="24" y="${y + 16}" class="panel">${escape(panel.title)}</text>`);
    y += TITLE_HEIGHT;
    const scale = Math.max(...bars.map((bar) => bar.max ?? bar.value), 1e-9);
    for (const bar of bars) {
      const width = Math.max(1, (bar.value / scale) * plotWidth);
      parts.push(`<text x="${LABEL_WIDTH - 10}" y="${y + 18}" class="label" text-anchor="end">${escape(bar.label)}</text>`);
      parts.push(`<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${width.toFixed(1)}" height="${BAR_HEIGHT - 6}" rx="3" class="${bar.ours ? 'ours' : 'peer'}"/>`);
      let end = width;
      if (bar.min !== undefined && bar.max !== undefined && bar.max > bar.min) {
        const [from, to] = [(bar.min / scale) * plotWidth, (bar.max / scale) * plotWidth];
        const middle = y + BAR_HEIGHT / 2;
        parts.push(`<path d="M${(LABEL_WIDTH + from).toFixed(1)} ${middle - 5}v10M${(LABEL_WIDTH + from).toFixed(1)} ${middle}H${(LABEL_WIDTH + to).toFixed(1)}M${(LABEL_WIDTH + to).toFixed(1)} ${middle - 5}v10" class="range"/>`);
        end = Math.max(end, to);
      }
      parts.push(`<text x="${LABEL_WIDTH + end + 8}" y="${y + 18}" class="value">${escape(formatValue(bar.value, panel.unit))}</text>`);
      y += BAR_HEIGHT;
    }
    y += PANEL_GAP;
  }
  const height = y;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">
<style>
  text { font-family: 'DejaVu Sans', Arial, sans-serif; fill: #1d2433; }
  .heading { font-size: 20px; font-weight: bold; } .sub { font-size: 12px; fill: #5b6475; }
  .panel { font-size: 14px; font-weight: bold; } .label, .value { font-size: 13px; }
  .ours { fill: #2f6fde; } .peer { fill: #9aa3b2; } .range { stroke: #1d2433; stroke-width: 1.5; fill: none; opacity: 0.7; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="24" y="32" class="heading">${escape(heading)}</text>
${parts.join('\n')}
</svg>`;
}

const CHROMIUM = '/usr/bin/chromium';

/** Renders the SVG to a PNG file with headless Chromium; says how to install it when it is missing. */
export async function renderPng(svg: string, path: string): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`bench: the chart needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  const width = Number(/width="(\d+)"/.exec(svg)![1]);
  const height = Number(/height="(\d+)"/.exec(svg)![1]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 2 });
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    await writeFile(path, await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width, height } }));
  } finally {
    await browser.close();
  }
}
