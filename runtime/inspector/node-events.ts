/**
 * What happened to a node's partitions lately (rebalances, restores,
 * hand-overs, losses, failures), kept from its instrumentation events for
 * the cluster view: the newest 100, each with one line a person reads.
 */
import type { Instrumentation } from '../instrumentation.ts';
import type { NodeEvent } from './api.ts';
import type { RestoreReport } from '../partition/restorer.ts';

export const NODE_EVENTS_KEPT = 100;

/** How the partition came here, in words, after its restore line. */
export function handOverText(report: Pick<RestoreReport, 'handOver' | 'releaseWaitMs' | 'replayed' | 'snapshotRecordsRead'>): string {
  const replayed = typeof report.replayed === 'number' ? `, ${report.replayed} record${report.replayed === 1 ? '' : 's'} replayed` : '';
  switch (report.handOver) {
    case 'clean':
      return `; released by its last owner${report.releaseWaitMs ? ` (waited ${report.releaseWaitMs} ms)` : ''}${replayed}`;
    case 'fenced':
      return `; its last owner did not release it in ${report.releaseWaitMs ?? 0} ms: fenced${replayed}`;
    case 'lost':
      return '; its last owner stopped without releasing it: fenced, the input after the snapshot replayed';
    case 'standby':
      return `; taken over from this node's standby (${report.snapshotRecordsRead} snapshot record${report.snapshotRecordsRead === 1 ? '' : 's'} read)`;
    default:
      return '';
  }
}

export class NodeEvents {
  readonly #events: NodeEvent[] = [];
  readonly #nodeId: string;
  readonly #now: () => number;
  readonly #unsubscribe: (() => void)[];

  constructor(nodeId: string, instrumentation: Instrumentation, now: () => number) {
    this.#nodeId = nodeId;
    this.#now = now;
    this.#unsubscribe = [
      instrumentation.on('rebalance', (e) => this.#add('rebalance', e.stage, undefined, `${e.stage}: generation ${e.generation} gave this node ${e.assigned} partition${e.assigned === 1 ? '' : 's'}`)),
      instrumentation.on('partition.restored', (e) => {
        const { from, seq, durationMs, markers, ignored } = e.report;
        const source = seq === null ? from : `${from} ${seq}`;
        const skipped = ignored.corrupt + ignored.incomplete > 0 ? `; ${ignored.corrupt} corrupt and ${ignored.incomplete} incomplete snapshot${ignored.corrupt + ignored.incomplete === 1 ? '' : 's'} skipped` : '';
        this.#add('restored', e.stage, e.partition, `restored ${e.stage}[${e.partition}] from ${source} in ${durationMs} ms${markers > 0 ? `, ${markers} publish marker${markers === 1 ? '' : 's'} applied` : ''}${skipped}${handOverText(e.report)}`);
      }),
      instrumentation.on('partition.revoked', (e) => this.#add('revoked', e.stage, e.partition, `handed over ${e.stage}[${e.partition}] (final snapshot)`)),
      instrumentation.on('partition.lost', (e) => this.#add('lost', e.stage, e.partition, `lost ${e.stage}[${e.partition}] without a final snapshot`)),
      instrumentation.on('partition.failed', (e) => this.#add('failed', e.stage, e.partition, `${e.stage}[${e.partition}] failed: ${e.error instanceof Error ? e.error.message : String(e.error)}`)),
    ];
  }

  /** The newest first. */
  list(): NodeEvent[] {
    return [...this.#events].reverse();
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  #add(kind: NodeEvent['kind'], stage: string | undefined, partition: number | undefined, text: string): void {
    this.#events.push({ at: this.#now(), nodeId: this.#nodeId, kind, ...(stage === undefined ? {} : { stage }), ...(partition === undefined ? {} : { partition }), text });
    if (this.#events.length > NODE_EVENTS_KEPT) this.#events.shift();
  }
}
