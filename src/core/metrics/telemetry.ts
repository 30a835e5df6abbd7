/**
 * The telemetry port: what the core, the MTA, the dispatcher, receiving and the SMTP listeners report as it
 * happens, for operators' Prometheus scrapes (adapters/ops/). Process-local and reset at a restart, as
 * Prometheus counters are; the durable, crash-safe figures are the metric buckets (store/interface/metrics.ts).
 * Reporting never throws and never waits.
 */
/** `deferred`: an attempt answered with a temporary failure; the recipient stays queued for a retry. */
export type RecipientOutcome = 'delivered' | 'deferred' | 'bounced' | 'complained' | 'rejected';
export type AttemptResult = 'done' | 'deferred' | 'error';

export interface Telemetry {
  messagesAccepted(accountId: string, count: number): void;
  recipientOutcome(accountId: string, outcome: RecipientOutcome, count: number): void;
  deliveryAttempt(seconds: number, result: AttemptResult): void;
  smtpSession(listener: string, delta: 1 | -1): void;
  /** A received message committed (accepted), or a recipient refused at RCPT. */
  inboundMessage(result: 'accepted' | 'recipient_refused'): void;
  inboundAction(type: string, status: string): void;
  notificationAttempt(result: 'delivered' | 'failed' | 'dead'): void;
  commit(kind: string, seconds: number): void;
}

export const NO_TELEMETRY: Telemetry = {
  messagesAccepted: () => undefined,
  recipientOutcome: () => undefined,
  deliveryAttempt: () => undefined,
  smtpSession: () => undefined,
  inboundMessage: () => undefined,
  inboundAction: () => undefined,
  notificationAttempt: () => undefined,
  commit: () => undefined,
};
