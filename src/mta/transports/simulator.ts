/**
 * The mailbox simulator's "receiving server": answers simulator addresses in memory with the outcome each
 * stands for (ses-spec.md §5). Nothing leaves the server.
 */
import { simulatorScenario, type RecipientResult } from '../../core/index.ts';

export function simulate(
  recipients: { index: number; address: string; attempts: number }[],
): RecipientResult[] {
  return recipients.map(({ index, address, attempts }): RecipientResult => {
    switch (simulatorScenario(address)) {
      case 'success':
        return { index, attempts, outcome: 'delivered', smtpResponse: '250 2.6.0 Message received' };
      case 'ooto':
        return {
          index,
          attempts,
          outcome: 'delivered',
          smtpResponse: '250 2.6.0 Message received',
          followUp: { autoReply: true },
        };
      case 'complaint':
        return {
          index,
          attempts,
          outcome: 'delivered',
          smtpResponse: '250 2.6.0 Message received',
          followUp: { complaint: { feedbackType: 'abuse', userAgent: 'Amazon SES Mailbox Simulator' } },
        };
      case 'suppressionlist':
        return {
          index,
          attempts,
          outcome: 'bounced',
          bounceType: 'Permanent',
          bounceSubType: 'Suppressed',
          status: '5.1.1',
          diagnosticCode:
            'Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address.',
        };
      default:
        return {
          index,
          attempts,
          outcome: 'bounced',
          bounceType: 'Permanent',
          bounceSubType: 'General',
          status: '5.1.1',
          diagnosticCode: 'smtp; 550 5.1.1 user unknown',
        };
    }
  });
}
