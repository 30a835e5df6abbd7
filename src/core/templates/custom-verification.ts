/**
 * Custom verification emails (SendCustomVerificationEmail): the address becomes a pending identity, and the
 * account's own template — sent from its verified address, counted like any message — carries the link.
 * Following the link verifies the address and redirects to the template's success or failure URL.
 */
import type { PublicLinks } from '../../lib/public-links.ts';
import type { AccountService } from '../accounts/account-service.ts';
import { SesError } from '../errors.ts';
import type { IdentityService } from '../identities/identity-service.ts';
import type { SenderIdentities } from '../identities/sender-identities.ts';
import type { SendingService } from '../sending/sending-service.ts';
import type { TemplateService } from './template-service.ts';

export class CustomVerificationSender {
  readonly #accounts: AccountService;
  readonly #identities: IdentityService;
  readonly #senders: SenderIdentities;
  readonly #templates: TemplateService;
  readonly #sending: SendingService;
  readonly #links: PublicLinks;

  constructor(deps: {
    accounts: AccountService;
    identities: IdentityService;
    senders: SenderIdentities;
    templates: TemplateService;
    sending: SendingService;
    links: PublicLinks;
  }) {
    this.#accounts = deps.accounts;
    this.#identities = deps.identities;
    this.#senders = deps.senders;
    this.#templates = deps.templates;
    this.#sending = deps.sending;
    this.#links = deps.links;
  }

  /** Returns the MessageId, or undefined when the address is verified already (nothing is sent then). */
  async send(input: {
    accountId: string;
    emailAddress: string;
    templateName: string;
    configurationSetName?: string | undefined;
    operation: string;
    sourceIp?: string | undefined;
    callerIdentity?: string | undefined;
  }): Promise<string | undefined> {
    const account = await this.#accounts.get(input.accountId);
    // SES sends custom verification emails only for accounts out of the sandbox.
    if (!account.productionAccess)
      throw new SesError(
        'BadRequestException',
        'Custom verification emails can only be sent by accounts with production access (this account is in the sandbox).',
        { reason: 'production-access-not-granted' },
      );
    const template = await this.#templates.getVerification(account.id, input.templateName);
    const from = template.content.fromEmailAddress;
    if (!(await this.#senders.senderProfile(account.id, from)))
      throw new SesError(
        'MessageRejected',
        `The template's FromEmailAddress ${from} is not a verified identity of this account.`,
        { reason: 'from-address-not-verified' },
      );
    let messageId: string | undefined;
    const outcome = await this.#identities.verifyEmailAddress(
      account.id,
      input.emailAddress,
      async (token) => {
        const url = this.#links.verifyEmail(token, { accountId: account.id, templateName: template.name });
        const result = await this.#sending.send({
          accountId: account.id,
          operation: input.operation,
          sourceIp: input.sourceIp,
          callerIdentity: input.callerIdentity,
          from,
          destination: { to: [input.emailAddress] },
          content: {
            kind: 'simple',
            subject: { data: template.content.subject },
            html: { data: withLink(template.content.content, url) },
          },
          configurationSetName: input.configurationSetName,
        });
        messageId = result.messageId;
      },
    );
    return outcome === 'sent' ? messageId : undefined;
  }

  /** Where a followed verification link sends its reader: the template's success or failure URL. */
  async redirect(accountId: string, templateName: string, verified: boolean): Promise<string | undefined> {
    try {
      const t = await this.#templates.getVerification(accountId, templateName);
      return verified ? t.content.successRedirectionUrl : t.content.failureRedirectionUrl;
    } catch {
      return undefined;
    }
  }
}

/** The template's HTML with the verification link added at the end of its body. */
function withLink(html: string, url: string): string {
  const link = `<p><a href="${url}">${url}</a></p>`;
  return /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${link}</body>`) : html + link;
}
