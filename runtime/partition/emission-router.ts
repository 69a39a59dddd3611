/**
 * The emission router: turns what a partition machine emitted while handling
 * one message (outputs, dead letters, publications) into write jobs for the
 * partition writer, following the exactly-once rules.
 *
 * - Plain outputs and dead letters of a stateless stage are written with the
 *   batch's input offset in one transaction. A stateful stage's wait in the
 *   outbox and ride with its next publication or snapshot (whose
 *   transaction commits the input offset that covers them).
 * - Plain outputs and dead letters of replayed input are dropped: they were
 *   committed before the restore.
 * - Each publication is put to the ledger: a durable one is acknowledged at
 *   once, a duplicate is reported and dropped, a new one is written (its
 *   records, then its marker) and acknowledged once its transaction commits.
 */
import type { ProducedRecord } from '../../protocols/transport.ts';
import type { PublishedNotice, StageEmission } from '../../protocols/stage.ts';
import type { WriteJob } from '../partition-writer.ts';
import type { PublicationLedger } from './publication-ledger.ts';
import type { OutputAddresser } from './output-addresser.ts';

/** What the router hands its jobs to (the partition writer). */
export interface WriteSink {
  enqueue(job: WriteJob): void;
}

/** Where the router reports what it did not write. */
export interface RouterReports {
  /** A dead letter is being written. */
  readonly deadLetter: (reason: string) => void;
  /** A publication was requested while its first request was being written. */
  readonly duplicate: (key: string) => void;
}

export interface EmissionRouterOptions {
  readonly ledger: PublicationLedger;
  readonly addresser: OutputAddresser;
  readonly writer: WriteSink;
  /** True when the stage snapshots: publications carry markers, outputs wait for a transaction. */
  readonly stateful: boolean;
  /** Sends `eventide.published` to the machine. */
  readonly acknowledge: (notice: PublishedNotice) => void;
  readonly reports: RouterReports;
}

/** What the emissions being routed came from. */
export interface RouteContext {
  /** After a batch: the offset after its last record, which a stateless stage commits. */
  readonly batchEnd?: number;
  /** The batch was replayed: its plain outputs and dead letters were committed before. */
  readonly replayed?: boolean;
  /** The machine handled `eventide.restored`: it asks again for the publications its snapshot holds in flight. */
  readonly restoring?: boolean;
}

interface Publication {
  readonly key: string;
  readonly records: readonly ProducedRecord[];
}

export class EmissionRouter {
  readonly #options: EmissionRouterOptions;
  #emissions: StageEmission[] = [];
  #outbox: ProducedRecord[] = [];

  constructor(options: EmissionRouterOptions) {
    this.#options = options;
  }

  /** Records waiting for the next transaction. */
  get outboxSize(): number {
    return this.#outbox.length;
  }

  /** Takes an emission of the machine (`actor.on`), to be routed after the message that caused it. */
  readonly collect = (emission: StageEmission): void => {
    this.#emissions.push(emission);
  };

  /**
   * Routes what was collected; `nextOffset` is the input offset the partition
   * reached (recorded by publish markers). Returns whether anything was
   * emitted (the machine's state changed).
   */
  route(context: RouteContext, nextOffset: number): boolean {
    const emissions = this.#emissions;
    if (emissions.length === 0 && !this.#mustWrite(context.batchEnd)) return false;
    this.#emissions = [];
    const { addresser, ledger, reports } = this.#options;
    const replayed = context.replayed === true;
    const publications: Publication[] = [];
    for (const emission of emissions) {
      switch (emission.type) {
        case 'eventide.output':
          if (!replayed) for (const record of emission.records) this.#outbox.push(this.#fitting(addresser.output(record), nextOffset));
          break;
        case 'eventide.deadletter':
          if (!replayed) {
            for (const letter of emission.letters) {
              this.#outbox.push(addresser.deadLetter(letter));
              reports.deadLetter(letter.reason);
            }
          }
          break;
        case 'eventide.publish': {
          const decision = ledger.request(emission.key, context.restoring === true);
          if (decision.kind === 'durable') this.#options.acknowledge(decision.notice);
          else if (decision.kind === 'duplicate') reports.duplicate(emission.key);
          else publications.push({ key: emission.key, records: emission.records.map((record) => this.#fitting(addresser.output(record), nextOffset)) });
          break;
        }
      }
    }
    this.#write(publications, context.batchEnd, nextOffset);
    return emissions.length > 0;
  }

  /**
   * The record, or its `too-large` dead letter. Its cause is the input the
   * partition handled last (the record before `nextOffset`); a publication
   * too large to publish is dead-lettered and still marked, so it is never
   * asked for again.
   */
  #fitting(record: ProducedRecord, nextOffset: number): ProducedRecord {
    const fitting = this.#options.addresser.fitting(record, nextOffset - 1);
    if (fitting !== record) this.#options.reports.deadLetter('too-large');
    return fitting;
  }

  /** Takes the records waiting for a transaction (a snapshot writes them in front of itself). */
  takeOutbox(): ProducedRecord[] {
    const records = this.#outbox;
    this.#outbox = [];
    return records;
  }

  /** Writes whatever waits in the outbox as a job of its own (a stateless stage stopping). */
  flush(): void {
    if (this.#outbox.length > 0) this.#options.writer.enqueue({ records: this.takeOutbox() });
  }

  /** A stateless stage commits every batch's offset, even one that emitted nothing. */
  #mustWrite(batchEnd: number | undefined): boolean {
    return !this.#options.stateful && (batchEnd !== undefined || this.#outbox.length > 0);
  }

  #write(publications: readonly Publication[], batchEnd: number | undefined, nextOffset: number): void {
    const { stateful, writer, ledger, addresser } = this.#options;
    if (publications.length === 0 && !this.#mustWrite(batchEnd)) return;
    const records = this.takeOutbox();
    const keys: string[] = [];
    for (const publication of publications) {
      keys.push(publication.key);
      for (const record of publication.records) records.push(record);
      if (stateful) records.push(addresser.publishMarker(publication.key, nextOffset));
    }
    writer.enqueue({
      records,
      ...(!stateful && batchEnd !== undefined ? { commitOffset: batchEnd } : {}),
      ...(keys.length === 0
        ? {}
        : {
            onCommitted: () => {
              for (const key of keys) this.#options.acknowledge(ledger.committed(key, nextOffset));
            },
          }),
    });
  }
}
