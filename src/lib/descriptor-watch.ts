/**
 * Watches how many file descriptors the process holds. Running out shows nowhere else: libuv answers accept()'s
 * EMFILE by accepting and closing the connection itself, so the listeners never see an error and clients only
 * see their connections dropped. Near the limit (or when even this check cannot open a descriptor) `onExhausted`
 * gets an EMFILE error. Linux only (/proc); elsewhere it does nothing.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** Share of the limit in use from which descriptors count as exhausted. */
const NEARLY_ALL = 0.95;

export function watchDescriptors(onExhausted: (err: Error) => void, intervalMs = 2000): () => void {
  let limit: number;
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    limit = Number(/^Max open files\s+(\d+)/.exec(line ?? '')?.[1]);
  } catch {
    return () => undefined;
  }
  if (!(limit > 0)) return () => undefined;
  const check = () => {
    try {
      const used = readdirSync('/proc/self/fd').length;
      if (used >= limit * NEARLY_ALL)
        onExhausted(
          Object.assign(new Error(`${used} of ${limit} file descriptors in use`), { code: 'EMFILE' }),
        );
    } catch (err) {
      if ((err as { code?: string }).code === 'EMFILE' || (err as { code?: string }).code === 'ENFILE')
        onExhausted(err as Error);
    }
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
