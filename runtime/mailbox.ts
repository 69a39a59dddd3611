/**
 * A single-consumer queue that hands messages to one handler, one at a time,
 * in the order they were posted. The unit of work is one message (a whole
 * batch), and the mailbox yields to the event loop between messages once a
 * slice has run for `sliceMs`, so heartbeats, the clock and other
 * partitions' mailboxes are never starved. A handler that has more to do
 * than a slice (a large snapshot to encode) returns a promise: the next
 * message waits until it settles, while the event loop runs on.
 */
export interface MailboxOptions<Message> {
  readonly handle: (message: Message) => void | PromiseLike<void>;
  /** Called when a handler throws (or its promise rejects); the mailbox goes on with the next message. */
  readonly onError: (error: unknown, message: Message) => void;
  /** Called each time the queue becomes empty. */
  readonly onDrained?: () => void;
  /** Longest run of handlers before yielding. @default 10 */
  readonly sliceMs?: number;
}

export class Mailbox<Message> {
  readonly #options: MailboxOptions<Message>;
  #queue: Message[] = [];
  #head = 0;
  #scheduled = false;
  /** A handler's promise has not settled yet. */
  #waiting = false;
  #closed = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: MailboxOptions<Message>) {
    this.#options = options;
  }

  /** Messages waiting to be handled. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  post(message: Message): void {
    if (this.#closed) return;
    this.#queue.push(message);
    this.#schedule();
  }

  /** Resolves when every message posted so far has been handled. */
  idle(): Promise<void> {
    if (this.size === 0 && !this.#scheduled && !this.#waiting) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drops what is queued and accepts nothing more. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    this.#wakeIdle();
  }

  #schedule(): void {
    if (this.#scheduled || this.#waiting) return;
    this.#scheduled = true;
    setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    const sliceMs = this.#options.sliceMs ?? 10;
    const started = performance.now();
    while (this.size > 0 && !this.#closed) {
      const message = this.#queue[this.#head]!;
      this.#head++;
      let pending: void | PromiseLike<void> = undefined;
      try {
        pending = this.#options.handle(message);
      } catch (error) {
        this.#options.onError(error, message);
      }
      if (typeof (pending as PromiseLike<void> | undefined)?.then === 'function') {
        this.#await(pending as PromiseLike<void>, message);
        return;
      }
      if (performance.now() - started >= sliceMs) break;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.size > 0 && !this.#closed) {
      this.#schedule();
      return;
    }
    this.#options.onDrained?.();
    this.#wakeIdle();
  }

  #await(pending: PromiseLike<void>, message: Message): void {
    this.#waiting = true;
    const settled = (): void => {
      this.#waiting = false;
      if (this.size > 0 && !this.#closed) this.#schedule();
      else {
        if (!this.#closed) this.#options.onDrained?.();
        this.#wakeIdle();
      }
    };
    pending.then(settled, (error: unknown) => {
      this.#options.onError(error, message);
      settled();
    });
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
