/** A progress bar on stderr for long operator commands (a line per 10 % when stderr is not a terminal). */
export class Progress {
  readonly #total: number;
  readonly #label: string;
  #done = 0;
  #lastDecile = -1;

  constructor(label: string, total: number) {
    this.#label = label;
    this.#total = Math.max(1, total);
  }

  tick(n = 1): void {
    this.#done += n;
    const pct = Math.floor((this.#done / this.#total) * 100);
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(
        `\r${this.#label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${this.#done}/${this.#total}`,
      );
    } else if (Math.floor(pct / 10) !== this.#lastDecile) {
      this.#lastDecile = Math.floor(pct / 10);
      process.stderr.write(`${this.#label}: ${pct}% (${this.#done}/${this.#total})\n`);
    }
  }

  end(): void {
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}
