/**
 * The lifecycle of one hosted partition, as an explicit state table.
 *
 * ```
 *   ASSIGNED ──▶ RESTORING ──▶ RUNNING ──▶ REVOKING ──▶ STOPPED
 *       │            │            │                         ▲
 *       └────────────┴────────────┴──────▶ FAILED ──────────┘
 * ```
 *
 * RESTORING may also go straight to REVOKING (the partition moved again
 * before its restore finished). An illegal transition throws
 * `IllegalTransitionError`: it is a bug, never silently ignored.
 */
import { IllegalTransitionError } from '../protocols/errors.ts';

/** Where a hosted partition is in its lifecycle (see the state table above), as `/status` shows it. */
export type PartitionState = 'assigned' | 'restoring' | 'running' | 'revoking' | 'stopped' | 'failed';

const allowed: Readonly<Record<PartitionState, readonly PartitionState[]>> = {
  assigned: ['restoring', 'revoking', 'failed'],
  restoring: ['running', 'revoking', 'failed'],
  running: ['revoking', 'failed'],
  revoking: ['stopped', 'failed'],
  failed: ['stopped'],
  stopped: [],
};

export class PartitionLifecycle {
  #state: PartitionState = 'assigned';
  readonly #describe: string;
  readonly #onChange: (from: PartitionState, to: PartitionState) => void;

  constructor(describe: string, onChange: (from: PartitionState, to: PartitionState) => void = () => {}) {
    this.#describe = describe;
    this.#onChange = onChange;
  }

  get state(): PartitionState {
    return this.#state;
  }

  is(...states: PartitionState[]): boolean {
    return states.includes(this.#state);
  }

  transitionTo(next: PartitionState): void {
    if (!allowed[this.#state].includes(next)) {
      throw new IllegalTransitionError(`${this.#describe}: cannot go from ${this.#state} to ${next}`);
    }
    const previous = this.#state;
    this.#state = next;
    this.#onChange(previous, next);
  }
}
