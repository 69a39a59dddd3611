/**
 * The demo's live view of results: the newest window of each query, one line
 * per facet, redrawn in place on a terminal and printed as lines otherwise.
 */
import type { WindowResult } from '../protocols/result/index.ts';

const formatValue = (value: number | null): string => (value === null ? '—' : Number.isInteger(value) ? String(value) : value.toFixed(3));

export class ResultsView {
  readonly #latest = new Map<string, WindowResult[]>();
  #published = 0;

  get published(): number {
    return this.#published;
  }

  add(result: WindowResult): void {
    this.#published++;
    const shown = this.#latest.get(result.queryId);
    if (shown === undefined || shown[0]!.windowStart < result.windowStart) this.#latest.set(result.queryId, [result]);
    else if (shown[0]!.windowStart === result.windowStart) shown.push(result);
  }

  render(header: string): string {
    const lines = [header];
    for (const [queryId, results] of [...this.#latest].sort(([a], [b]) => a.localeCompare(b))) {
      const first = results[0]!;
      lines.push(`  ${queryId}  window ${new Date(first.windowStart).toISOString().slice(11, 19)}–${new Date(first.windowEnd).toISOString().slice(11, 19)}`);
      const sorted = [...results].sort((a, b) => b.events - a.events).slice(0, 6);
      for (const result of sorted) {
        const facet = result.facet === null ? '' : `${result.facet.join(', ')}: `;
        const values = Object.entries(result.values).map(([label, value]) => `${label}=${formatValue(value)}`).join('  ');
        lines.push(`    ${facet}${values}`);
      }
      if (results.length > sorted.length) lines.push(`    … ${results.length - sorted.length} more facets`);
    }
    return lines.join('\n');
  }
}
