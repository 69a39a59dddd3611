/**
 * The inbox of a hosted partition: its mailbox, fed by the fetch loop (each
 * batch sliced into messages, records seen already left out, replayed and
 * new records kept apart) and by the node and the partition itself (ticks,
 * tables, acknowledgements, snapshot requests), paced by back-pressure:
 * fetching pauses while the mailbox or the writer holds too much, and
 * resumes once both drained.
 */
import type { ConsumedRecord } from '../../protocols/transport.ts';
import type { RuntimeMessage } from '../../protocols/stage.ts';
import { Mailbox } from '../mailbox.ts';
import { BackPressure, type BackPressureLimits, type InputValve } from './back-pressure.ts';
import { InputSlicer } from './input-slicer.ts';
import type { HostMessage } from './partition-processor.ts';

export interface PartitionInboxOptions {
  /** Handles one message; a throw (or a rejected promise) goes to `onError`, and a promise holds the messages after it until it settles. */
  readonly handle: (message: HostMessage) => void | PromiseLike<void>;
  readonly onError: (error: unknown) => void;
  /** Pauses and resumes fetching of the input partition. */
  readonly valve: InputValve;
  /** Records waiting in the partition's writer. */
  readonly writerBacklog: () => number;
  /** Whether the input may resume now (the partition runs). */
  readonly mayResume: () => boolean;
  /** Most records in one message. @default 500 */
  readonly maxRecordsPerMessage?: number;
  readonly limits?: BackPressureLimits;
}

export class PartitionInbox {
  readonly #options: PartitionInboxOptions;
  readonly #mailbox: Mailbox<HostMessage>;
  readonly #backPressure: BackPressure;
  #slicer: InputSlicer | null = null;

  constructor(options: PartitionInboxOptions) {
    this.#options = options;
    this.#mailbox = new Mailbox<HostMessage>({ handle: options.handle, onError: options.onError, onDrained: () => this.relieve() });
    this.#backPressure = new BackPressure({ mailboxSize: () => this.#mailbox.size, writerBacklog: options.writerBacklog }, options.valve, options.limits);
  }

  /** Messages waiting. */
  get size(): number {
    return this.#mailbox.size;
  }

  /** Whether back-pressure holds the input paused. */
  get paused(): boolean {
    return this.#backPressure.paused;
  }

  /** Input resumes at `offset`; offsets for which `isReplayed` holds are handled as replayed, those to `isolate` one per message. */
  startAt(offset: number, isReplayed: (offset: number) => boolean, isolate?: (offset: number) => boolean): void {
    this.#slicer = new InputSlicer(this.#options.maxRecordsPerMessage ?? 500, isReplayed, isolate);
    this.#slicer.startAt(offset);
  }

  /** Records fetched; queued as messages, and the input paused if too much waits. Call `startAt` first. */
  deliver(records: readonly ConsumedRecord[]): void {
    for (const slice of this.#slicer!.slice(records)) this.#mailbox.post({ kind: 'records', records: slice.records, replayed: slice.replayed });
    this.#backPressure.maybePause();
  }

  /** A message for the machine. */
  post(message: RuntimeMessage): void {
    this.#mailbox.post({ kind: 'message', message });
  }

  /** A snapshot to take when the messages queued before are handled. */
  requestSnapshot(reason: string): void {
    this.#mailbox.post({ kind: 'snapshot', reason });
  }

  /** Work got done (messages handled, a transaction committed): resumes the input if it may. */
  relieve(): void {
    if (this.#options.mayResume()) this.#backPressure.maybeResume();
  }

  /** Resolves when every message posted so far has been handled (or the inbox closed). */
  idle(): Promise<void> {
    return this.#mailbox.idle();
  }

  /** Drops what is queued and takes nothing more. */
  close(): void {
    this.#mailbox.close();
  }
}
