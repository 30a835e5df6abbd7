/**
 * Runs Sesame as a separate process (`bin/sesame.js serve`), so that tests and benchmarks can kill it with
 * SIGKILL and start it again on the same data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/sesame.js', import.meta.url));

export class SesameProcess {
  readonly env: Record<string, string>;
  readonly url: string;
  #child: ChildProcess | undefined;
  output = '';

  /** A command the node runs under (e.g. `prlimit --nofile=256`), which must exec it. */
  readonly #wrapper: string[];
  /** The `sesame` command to run: this checkout's, or another's (the A/B bench compares two checkouts). */
  readonly #bin: string;

  constructor(env: Record<string, string>, wrapper: string[] = [], bin = BIN) {
    // One process per node unless a test asks for workers (PostgreSQL's default is one per core).
    this.env = { SESAME_WORKERS: '1', ...env };
    this.url = `http://127.0.0.1:${env.SESAME_HTTP_PORT}`;
    this.#wrapper = wrapper;
    this.#bin = bin;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const [command = process.execPath, ...args] = [...this.#wrapper, process.execPath, this.#bin, 'serve'];
    const child = spawn(command, args, {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    child.stdout.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`sesame exited with ${child.exitCode}:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`sesame did not start within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The running process's id (for RSS measurements). */
  get pid(): number | undefined {
    return this.#child?.exitCode === null ? this.#child.pid : undefined;
  }

  /** SIGSTOP / SIGCONT: the process stalls (as in a long pause or a frozen VM) and later goes on. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.#child?.kill(signal);
  }

  /** kill -9: no shutdown hook runs. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  /** Runs a one-shot CLI command with the same settings. */
  cli(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [this.#bin, ...args], { env: { ...process.env, ...this.env } });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) =>
        code === 0 ? resolve(out) : reject(new Error(`sesame ${args.join(' ')} failed: ${err}`)),
      );
    });
  }
}
