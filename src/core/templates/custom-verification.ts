/**
 * Custom verification emails (SendCustomVerificationEmail): the address becomes a pending identity, and the
 * account's own template — sent from its verified address, counted like any message — carries the link.
 * Following the link verifies the address and redirects to the template's success or failure URL.
 */
import type { AccountService } from '../accounts/account-service.ts';
import { SesError } from '../errors.ts';
import type { IdentityService } from '../identities/identity-service.ts';
import type { SendingService } from '../sending/sending-service.ts';
import type { TemplateService } from './template-service.ts';

export class CustomVerificationSender {
  readonly #accounts: AccountService;
  readonly #identities: IdentityService;
  readonly #templates: TemplateService;
  readonly #sending: SendingService;

  constructor(deps: {
    accounts: AccountService;
    identities: IdentityService;
    templates: TemplateService;
    sending: SendingService;
  }) {
    this.#accounts = deps.accounts;
    this.#identities = deps.identities;
    this.#templates = deps.templates;
    this.#sending = deps.sending;
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
        { v1Code: 'ProductionAccessNotGranted' },
      );
    const template = await this.#templates.getVerification(account.id, input.templateName);
    const from = template.content.fromEmailAddress;
    if (!(await this.#identities.senderProfile(account.id, from)))
      throw new SesError(
        'MessageRejected',
        `The template's FromEmailAddress ${from} is not a verified identity of this account.`,
        { v1Code: 'FromEmailAddressNotVerified' },
      );
    let messageId: string | undefined;
    const outcome = await this.#identities.verifyEmailAddress(
      account.id,
      input.emailAddress,
      async (link) => {
        const url = `${link}?account=${account.id}&template=${encodeURIComponent(template.name)}`;
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
