/**
 * Scenario e — crash: messages are submitted over SMTP (20 sessions, 2 KB; an injector that records each
 * `250 Ok <MessageId>`, which smtp-source cannot), the node is killed with SIGKILL halfway, restarted on the same
 * data, and every accepted message is looked for at the receiving server. Lost must be 0 (duplicates are
 * allowed: a message may be delivered again when the crash came between delivery and its record).
 */
import { crashExperiment } from '../../test/support/crash-harness.ts';
import type { ScenarioResult } from '../run.ts';

export async function crash(messages: number, log: (s: string) => void): Promise<ScenarioResult> {
  const r = await crashExperiment({
    messages,
    concurrency: 20,
    killAfter: Math.floor(messages / 2),
    via: 'smtp',
    log: (s) => log(`  ${s}`),
  });
  return {
    id: 'e',
    name: `kill -9 during SMTP relay (${messages.toLocaleString('en')} messages, 20 sessions)`,
    unit: 'lost',
    sesame: r.lost,
    reference: 0,
    referenceName: 'target: none lost',
    ratio: null,
    details: r,
    targets: [{ what: '0 accepted messages lost', met: r.lost === 0 }],
  };
}
