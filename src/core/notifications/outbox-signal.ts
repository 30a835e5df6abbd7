/**
 * Tells dispatch that notifications were committed to the outbox (with a message, an outcome, or a subscription
 * change), so it looks at once instead of at its next poll. A hint only: dispatch polls the outbox anyway.
 */
export class OutboxSignal {
  readonly #listeners: (() => void)[] = [];

  onQueued(listener: () => void): void {
    this.#listeners.push(listener);
  }

  queued(): void {
    for (const l of this.#listeners) l();
  }
}
