/**
 * The return-path inbox: mail that comes back to the VERP return paths this MTA issued. DSNs (RFC 3464) and ARF
 * reports (RFC 5965) are read, their recipients classified by the bounce rules, and reported to the core as
 * feedback of the original message and the recipients its return path names. Other mail to a return path (auto-replies) is dropped.
 * Mail to any address the MTA did not issue is not taken (the inbound MX refuses it at RCPT).
 */
import type { InboundEnvelope, InboundMailPort, MtaPort, RecipientVerdict } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { dsnBounceType, readReport } from './reports.ts';
import type { ReturnPathCodec, ReturnPathTarget } from './verp.ts';

export class ReturnPathInbox implements InboundMailPort {
  readonly #core: MtaPort;
  readonly #codec: ReturnPathCodec;
  readonly #log: Logger;

  constructor(deps: { core: MtaPort; codec: ReturnPathCodec; logger: Logger }) {
    this.#core = deps.core;
    this.#codec = deps.codec;
    this.#log = deps.logger;
  }

  recipient(address: string): Promise<RecipientVerdict> {
    return Promise.resolve(this.#target(address) ? { kind: 'accept' } : { kind: 'unknown' });
  }

  async receive(raw: Buffer, envelope: InboundEnvelope): Promise<undefined> {
    const remoteAddress = envelope.clientIp;
    const targets = envelope.recipients
      .map((r) => this.#target(r))
      .filter((t): t is ReturnPathTarget => t !== undefined);
    const report = await readReport(raw);
    if (!report) {
      this.#log.info(
        { targets: targets.map((t) => t.messageId) },
        'mail to a return path that is no DSN or ARF report (e.g. an auto-reply); dropped',
      );
      return undefined;
    }
    for (const target of targets) {
      if (report.kind === 'dsn') {
        const failed = report.recipients.filter((r) => r.action === 'failed');
        if (failed.length === 0) continue; // delayed/delivered/relayed reports carry no bounce
        await this.#core.recordFeedback({
          ...target,
          bounce: {
            reportingMta: report.reportingMta,
            remoteMtaIp: remoteAddress.replace(/^::ffff:/, ''),
            recipients: failed.map((r) => ({
              email: r.email,
              originalEmail: r.originalEmail,
              action: r.action,
              status: r.status,
              diagnosticCode: r.diagnosticCode,
              ...dsnBounceType(r),
            })),
          },
        });
      } else {
        await this.#core.recordFeedback({
          ...target,
          complaint: {
            feedbackType: report.feedbackType,
            userAgent: report.userAgent,
            arrivalDate: report.arrivalDate,
            recipients: report.recipients,
          },
        });
      }
    }
    return undefined;
  }

  #target(address: string): ReturnPathTarget | undefined {
    return this.#codec.decode(address.slice(0, address.lastIndexOf('@')));
  }
}
