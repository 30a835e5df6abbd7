/** Small helpers shared by the scenarios: child processes, RSS, timing. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { onServerCores } from './cpus.ts';

/** Resident set size of a process, in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/**
 * Starts `node <script> [args]` on the server cores (it is a server under test or a reference) and waits for
 * its first stdout line (e.g. a port).
 */
export async function startChild(
  script: string,
  args: string[] = [],
  /** Wait for the first line that matches instead (a server that says other things first). */
  ready?: RegExp,
): Promise<{ child: ChildProcess; firstLine: string }> {
  const [command = process.execPath, ...rest] = [...onServerCores(), process.execPath, script, ...args];
  const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  const firstLine = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out
        .split('\n')
        .slice(0, -1)
        .map((l) => l.trim());
      const line = ready ? lines.find((l) => ready.test(l)) : lines[0];
      if (line !== undefined) resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, firstLine };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** CPU-seconds (user + system, every thread) a process and its children (workers) have used so far. */
export function cpuOf(pid: number): number {
  const pids = [pid, ...children(pid)];
  let ticks = 0;
  for (const p of pids) {
    try {
      // After the command name (which may hold spaces): utime and stime are fields 14 and 15.
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

function children(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export const seconds = (ms: number): number => Math.round(ms) / 1000;
