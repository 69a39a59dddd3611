/**
 * A generator of realistic raw event batches: page views and transactions of
 * a few apps, hosts and countries, with durations that follow a long-tailed
 * distribution. Used by `eventide demo` and `eventide produce`.
 */
import type { AttributeValue, Event } from '../protocols/event.ts';
import { encodeEventBatch } from '../protocols/event-batch/index.ts';

export interface LoadShape {
  /** Events per raw batch. @default 100 */
  readonly batchSize?: number;
  /** Compress every other batch with gzip, as mixed producers do. @default true */
  readonly gzip?: boolean;
  /** Largest delay of an event's time behind the clock, so events arrive a little out of order. @default 500 */
  readonly jitterMs?: number;
}

/** The values the generator draws attributes from (benchmarks cover every facet with them). */
export const LOAD_VALUES = {
  apps: ['shop', 'blog', 'api', 'checkout'],
  hosts: ['web-1', 'web-2', 'web-3', 'api-1', 'api-2'],
  countries: ['DE', 'US', 'FR', 'JP', 'BR', 'IN'],
  pages: ['/', '/cart', '/product', '/search', '/checkout', '/account'],
} as const;
const { apps: APPS, hosts: HOSTS, countries: COUNTRIES, pages: PAGES } = LOAD_VALUES;

export class LoadGenerator {
  readonly #shape: Required<LoadShape>;
  #seed: number;
  #batches = 0;

  constructor(shape: LoadShape = {}, seed = 42) {
    this.#shape = { batchSize: 100, gzip: true, jitterMs: 500, ...shape };
    this.#seed = seed >>> 0;
  }

  #random(): number {
    this.#seed = (this.#seed + 0x6d2b79f5) >>> 0;
    let t = this.#seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  #pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.#random() * values.length)]!;
  }

  /** One event at about `now`. */
  event(now: number): Event {
    const app = this.#pick(APPS);
    // Log-normal-ish durations: mostly fast, a long tail of slow ones.
    const duration = Math.round(Math.exp(this.#random() * 3 - 3) * (this.#random() < 0.05 ? 20 : 1) * 1000) / 1000;
    const attributes: Record<string, AttributeValue> = {
      appName: app,
      host: this.#pick(HOSTS),
      country: this.#pick(COUNTRIES),
      duration,
      userId: `u${Math.floor(this.#random() * 5000)}`,
    };
    const isTransaction = this.#random() < 0.3;
    if (isTransaction) attributes.error = this.#random() < 0.02;
    else attributes.page = this.#pick(PAGES);
    return { eventType: isTransaction ? 'Transaction' : 'PageView', timestamp: now - Math.floor(this.#random() * this.#shape.jitterMs), attributes };
  }

  /** A raw batch record value of `batchSize` events at about `now`. */
  batch(now: number): { value: Buffer; events: number } {
    const events = Array.from({ length: this.#shape.batchSize }, () => this.event(now));
    const gzip = this.#shape.gzip && this.#batches++ % 2 === 0;
    return { value: encodeEventBatch(events, { gzip }), events: events.length };
  }
}
