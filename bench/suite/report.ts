/**
 * What a suite run writes: `bench/results/latest.json` (the headline figures
 * under the names the issue gave them, then every measurement behind them),
 * `latest.md` (the table the README quotes) and `latest.png` (the chart).
 */
import { cpus, totalmem, release } from 'node:os';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Repeated } from './stats.ts';

/** The headline figures, by the names issue 10 gave them; `null` where a figure could not be measured, with the reason in `notes`. */
export interface Headline {
  readonly profile: 'quick' | 'full';
  readonly embedded_vs_decode_ratio: number | null;
  readonly kafka_vs_raw_consumer_ratio: number | null;
  readonly vs_kafka_streams_ratio: number | null;
  readonly same_results_as_kafka_streams: boolean | null;
  readonly latency_p50_ms: number | null;
  readonly latency_p99_ms: number | null;
  readonly restore_100k_windows_ms: number | null;
  readonly queries_100k_startup_ms: number | null;
  readonly rss_mb_per_100k_windows: number | null;
  readonly sustained_events_per_s: number | null;
  readonly inspector_cost_ratio: number | null;
}

/** The machine and the versions a run measured on. */
export function describeMachine(kafkaVersion: string): Record<string, unknown> {
  // `java -version` writes to stderr.
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr?.split('\n')[0]?.trim() || 'missing';
  const version = (name: string): string => JSON.parse(readFileSync(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
  const eventide = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a checkout
  }
  return {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    memory_gib: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    java,
    versions: { eventide, commit, kafkajs: version('kafkajs'), xstate: version('xstate'), kafka_broker: kafkaVersion, kafka_streams: kafkaVersion },
  };
}

/** One line of the table: the figure, eventide's value, the reference and the target. */
export interface TableRow {
  readonly figure: string;
  readonly eventide: string;
  readonly reference: string;
  readonly target: string;
  readonly met: boolean | null;
}

/** The Markdown table of a run, with the date, the profile and the machine above it. */
export function markdownTable(title: string, rows: readonly TableRow[], notes: readonly string[]): string {
  const mark = (met: boolean | null): string => (met === null ? '—' : met ? 'met' : 'not met');
  const lines = [
    title,
    '',
    '| figure | eventide | reference | target | |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.figure} | ${row.eventide} | ${row.reference} | ${row.target} | ${mark(row.met)} |`),
  ];
  if (notes.length > 0) lines.push('', ...notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}

/** `median (min–max)` of repeated runs, in thousands when large. */
export function describeRepeated(figure: Repeated, unit: string): string {
  const format = (value: number): string => (value >= 10_000 ? `${(value / 1000).toFixed(1)}k` : value >= 100 ? `${Math.round(value)}` : value.toPrecision(3));
  return figure.runs.length === 1 ? `${format(figure.median)} ${unit}` : `${format(figure.median)} ${unit} (${format(figure.min)}–${format(figure.max)}, ${figure.runs.length} runs)`;
}
