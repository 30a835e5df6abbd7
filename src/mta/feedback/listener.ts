/**
 * The inbound MX for feedback: accepts mail to the VERP return paths Sesame issued (and nothing else — it is
 * never an open relay), reads DSNs and ARF reports, and reports them to the core as Bounce and Complaint events
 * of the original message and recipient. Other mail to a return path (auto-replies) is accepted and dropped.
 */
import { SMTPServer } from 'smtp-server';
import { fastDataPhase } from '../../lib/smtp-data-phase.ts';
import type { Core } from '../../core/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { dsnBounceType, readReport } from './reports.ts';

export interface FeedbackSettings {
  host: string;
  port: number;
  hostname: string;
  tls: { key: string; cert: string };
  maxMessageSize: number;
}

export class FeedbackListener {
  readonly #core: Core;
  readonly #log: Logger;
  readonly #settings: FeedbackSettings;
  readonly #server: SMTPServer;

  constructor(deps: { core: Core; logger: Logger; settings: FeedbackSettings }) {
    this.#core = deps.core;
    this.#log = deps.logger;
    this.#settings = deps.settings;
    fastDataPhase();
    this.#server = new SMTPServer({
      name: deps.settings.hostname,
      banner: 'Sesame feedback MX',
      key: deps.settings.tls.key,
      cert: deps.settings.tls.cert,
      authOptional: true,
      disabledCommands: ['AUTH'],
      size: deps.settings.maxMessageSize,
      hideENHANCEDSTATUSCODES: false,
      disableReverseLookup: true,
      logger: false,
      onRcptTo: (address, _session, cb) => {
        const local = address.address.slice(0, address.address.lastIndexOf('@'));
        if (this.#core.sending.decodeReturnPath(local)) return cb();
        const err = Object.assign(new Error('No such user here'), { responseCode: 550 });
        cb(err);
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const targets = session.envelope.rcptTo.map((r) =>
            this.#core.sending.decodeReturnPath(r.address.slice(0, r.address.lastIndexOf('@')))!,
          );
          void this.#process(Buffer.concat(chunks), targets, session.remoteAddress).then(
            () => cb(),
            (err: Error) => {
              this.#log.warn({ err }, 'could not process feedback mail');
              cb(Object.assign(new Error('Temporary failure processing the report'), { responseCode: 451 }));
            },
          );
        });
      },
    });
    this.#server.on('error', (err) => this.#log.debug({ err }, 'feedback MX connection error'));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#settings.port, this.#settings.host, () => resolve());
    });
    const a = this.#server.server.address() as { address: string; port: number };
    return `${a.address}:${a.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #process(
    raw: Buffer,
    targets: { messageId: string; index: number }[],
    remoteAddress: string,
  ): Promise<void> {
    const report = await readReport(raw);
    if (!report) {
      this.#log.info(
        { targets: targets.map((t) => t.messageId) },
        'mail to a return path that is no DSN or ARF report (e.g. an auto-reply); dropped',
      );
      return;
    }
    for (const target of targets) {
      if (report.kind === 'dsn') {
        const failed = report.recipients.filter((r) => r.action === 'failed');
        if (failed.length === 0) continue; // delayed/delivered/relayed reports carry no bounce
        await this.#core.sending.recordFeedback({
          ...target,
          bounce: {
            reportingMta: report.reportingMta,
            remoteMtaIp: remoteAddress.replace(/^::ffff:/, ''),
            recipients: failed.map((r) => ({
              email: r.email,
              action: r.action,
              status: r.status,
              diagnosticCode: r.diagnosticCode,
              ...dsnBounceType(r),
            })),
          },
        });
      } else {
        await this.#core.sending.recordFeedback({
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
  }
}
