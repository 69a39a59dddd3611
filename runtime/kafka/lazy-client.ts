/**
 * A kafkajs client (admin, producer, consumer) connected on first use and
 * disconnected once. Connecting is shared: concurrent first calls wait for
 * the same connection.
 */
export class LazyClient<T extends { connect(): Promise<void>; disconnect(): Promise<void> }> {
  readonly client: T;
  #connecting: Promise<void> | undefined;
  #closed = false;

  constructor(client: T) {
    this.client = client;
  }

  /** The client, connected. */
  async get(): Promise<T> {
    if (this.#closed) throw new Error('the client was disconnected');
    this.#connecting ??= this.client.connect().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    await this.#connecting;
    return this.client;
  }

  get connected(): boolean {
    return this.#connecting !== undefined;
  }

  async disconnect(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#connecting === undefined) return;
    await this.#connecting.catch(() => undefined);
    await this.client.disconnect();
  }
}
