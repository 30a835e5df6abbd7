import { describe, expect, it } from 'vitest';
import { crashExperiment } from '../support/crash-harness.ts';

describe('durability', () => {
  it('kill -9 while messages are being sent loses no message that was answered 200', async () => {
    const r = await crashExperiment({ messages: 400, concurrency: 16, killAfter: 150 });
    expect(r.acceptedBeforeKill).toBeGreaterThanOrEqual(150);
    expect(r.lost).toBe(0);
    expect(r.received).toBeGreaterThanOrEqual(r.accepted);
  }, 120_000);

  it('kill -9 right after SMTP 250 replies: every message told 250 is delivered after the restart', async () => {
    const r = await crashExperiment({ messages: 200, concurrency: 8, killAfter: 80, via: 'smtp' });
    expect(r.acceptedBeforeKill).toBeGreaterThanOrEqual(80);
    expect(r.lost).toBe(0);
  }, 120_000);
});
