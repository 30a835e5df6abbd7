/**
 * Email templates (SES v2 *EmailTemplate, v1 *Template) and custom verification email templates, over one
 * store. Templates are compiled once and cached until they change; sends ask for the compiled form.
 */
import type { Page, Store, Tag, TemplateKind, TemplateRecord } from '../../store/store.ts';
import type { SenderIdentities } from '../identities/sender-identities.ts';
import type { TagService } from '../tags/tag-service.ts';
import { StoreConflictError } from '../../store/store.ts';
import type { EpochCache } from '../cache.ts';
import { SesError, alreadyExists, badRequest, notFound, type ErrorReason } from '../errors.ts';
import { buildSimpleMime } from '../../lib/mime/index.ts';
import { CompiledTemplate, RenderingError, parseTemplateData, type TemplateParts } from './renderer.ts';

export interface EmailTemplateContent {
  subject: string | null;
  text: string | null;
  html: string | null;
}

export interface VerificationTemplateContent {
  fromEmailAddress: string;
  subject: string;
  /** HTML of the message; Sesame adds the verification link. */
  content: string;
  successRedirectionUrl: string;
  failureRedirectionUrl: string;
}

export interface TemplateSettings {
  region: string;
  maxTemplateSize: number;
  maxTemplates: number;
}

/** SES quota: custom verification email templates per account. */
export const MAX_VERIFICATION_TEMPLATES = 50;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** What each rendering error is about (SES v1 has a code for each; v2 answers BadRequestException). */
const RENDERING_REASONS: Record<RenderingError['kind'], ErrorReason> = {
  'invalid-data': 'invalid-rendering-data',
  'missing-attribute': 'missing-rendering-attribute',
  'invalid-template': 'invalid-template',
};

export function renderingError(err: RenderingError): SesError {
  return badRequest(err.message, RENDERING_REASONS[err.kind]);
}

export class TemplateService {
  readonly #store: Store;
  readonly #cache: EpochCache;
  readonly #tags: TagService;
  readonly #senders: Pick<SenderIdentities, 'senderProfile'>;
  readonly #settings: TemplateSettings;
  readonly #now: () => number;

  constructor(deps: {
    store: Store;
    cache: EpochCache;
    tags: TagService;
    senders: Pick<SenderIdentities, 'senderProfile'>;
    settings: TemplateSettings;
    now: () => number;
  }) {
    this.#store = deps.store;
    this.#cache = deps.cache;
    this.#tags = deps.tags;
    this.#senders = deps.senders;
    this.#settings = deps.settings;
    this.#now = deps.now;
    // Email templates are taggable (TagResource on arn:aws:ses:…:template/NAME, CreateEmailTemplate Tags).
    this.#tags.registerKind(
      'template',
      async (accountId, name) => (await this.#store.templates.get(accountId, 'email', name)) !== null,
    );
  }

  arn(accountId: string, name: string): string {
    return `arn:aws:ses:${this.#settings.region}:${accountId}:template/${name}`;
  }

  // ---- email templates ---------------------------------------------------------------------------------

  async create(
    accountId: string,
    name: string,
    content: EmailTemplateContent,
    tags: Tag[] = [],
  ): Promise<void> {
    this.#checkName(name);
    this.#checkEmailContent(name, content);
    this.#tags.check(tags);
    if ((await this.#store.templates.count(accountId, 'email')) >= this.#settings.maxTemplates)
      throw new SesError(
        'LimitExceededException',
        `An account can have at most ${this.#settings.maxTemplates} email templates.`,
      );
    await this.#insert(accountId, 'email', name, content, () =>
      alreadyExists('Template', `Template ${name} already exists.`),
    );
    if (tags.length) await this.#tags.put(accountId, this.arn(accountId, name), tags);
  }

  /** An email template's tags (GetEmailTemplate). */
  tagsOf(accountId: string, name: string): Promise<Tag[]> {
    return this.#tags.list(accountId, this.arn(accountId, name));
  }

  async get(accountId: string, name: string): Promise<TemplateRecord<EmailTemplateContent>> {
    const t = await this.#store.templates.get(accountId, 'email', name);
    if (!t) throw templateNotFound(name);
    return t as TemplateRecord<EmailTemplateContent>;
  }

  list(
    accountId: string,
    after: string | undefined,
    limit: number,
  ): Promise<Page<TemplateRecord<EmailTemplateContent>>> {
    return this.#store.templates.list(accountId, 'email', { after, limit }) as Promise<
      Page<TemplateRecord<EmailTemplateContent>>
    >;
  }

  async update(accountId: string, name: string, content: EmailTemplateContent): Promise<void> {
    this.#checkEmailContent(name, content);
    const existing = await this.get(accountId, name);
    await this.#store.templates.update({ ...existing, content, updatedAt: this.#now() });
    await this.#cache.changed();
  }

  async delete(accountId: string, name: string): Promise<void> {
    if (!(await this.#store.templates.delete(accountId, 'email', name))) throw templateNotFound(name);
    await this.#tags.removeAll(accountId, this.arn(accountId, name));
    await this.#cache.changed();
  }

  /**
   * The compiled template a send names (by name or by ARN), cached until a template changes; NotFound (v1
   * TemplateDoesNotExist) when the account has no such template.
   */
  async compiled(accountId: string, nameOrArn: string): Promise<CompiledTemplate> {
    const name = this.#nameOf(accountId, nameOrArn);
    const compiled = await this.#cache.get(`template:${accountId}:${name}`, async () => {
      const t = await this.#store.templates.get(accountId, 'email', name);
      return t ? compileStored(t as TemplateRecord<EmailTemplateContent>) : undefined;
    });
    if (!compiled) throw templateNotFound(name);
    return compiled;
  }

  /** A template given inline in a send (TemplateContent): compiled for this call. */
  inline(content: EmailTemplateContent): CompiledTemplate {
    this.#checkEmailContent('TemplateContent', content);
    return new CompiledTemplate('TemplateContent', content);
  }

  /** TestRenderEmailTemplate / TestRenderTemplate: the message the template makes with this data, as MIME. */
  async testRender(accountId: string, name: string, data: string): Promise<string> {
    const template = await this.compiled(accountId, name);
    try {
      const parts = template.render(parseTemplateData(data));
      const mime = await buildSimpleMime({
        from: '',
        to: [],
        cc: [],
        replyTo: [],
        subject: parts.subject,
        text: parts.text,
        html: parts.html,
        headers: [],
        attachments: [],
        messageIdHeader: '',
        date: new Date(this.#now()),
      });
      return mime.toString('utf8');
    } catch (err) {
      if (err instanceof RenderingError) throw renderingError(err);
      throw err;
    }
  }

  // ---- custom verification email templates ------------------------------------------------------------

  async createVerification(
    accountId: string,
    name: string,
    content: VerificationTemplateContent,
  ): Promise<void> {
    this.#checkName(name);
    this.#checkVerificationContent(content);
    await this.#requireVerifiedSender(accountId, content.fromEmailAddress);
    if ((await this.#store.templates.count(accountId, 'verification')) >= MAX_VERIFICATION_TEMPLATES)
      throw new SesError(
        'LimitExceededException',
        `An account can have at most ${MAX_VERIFICATION_TEMPLATES} custom verification email templates.`,
      );
    await this.#insert(accountId, 'verification', name, content, () =>
      alreadyExists(
        'CustomVerificationEmailTemplate',
        `Custom verification email template ${name} already exists.`,
      ),
    );
  }

  async getVerification(
    accountId: string,
    name: string,
  ): Promise<TemplateRecord<VerificationTemplateContent>> {
    const t = await this.#store.templates.get(accountId, 'verification', name);
    if (!t) throw verificationNotFound(name);
    return t as TemplateRecord<VerificationTemplateContent>;
  }

  listVerification(
    accountId: string,
    after: string | undefined,
    limit: number,
  ): Promise<Page<TemplateRecord<VerificationTemplateContent>>> {
    return this.#store.templates.list(accountId, 'verification', { after, limit }) as Promise<
      Page<TemplateRecord<VerificationTemplateContent>>
    >;
  }

  /** Update: the fields given replace the stored ones (v1 makes them all optional). */
  async updateVerification(
    accountId: string,
    name: string,
    change: { [K in keyof VerificationTemplateContent]?: VerificationTemplateContent[K] | undefined },
  ): Promise<void> {
    const existing = await this.getVerification(accountId, name);
    const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
    const content = { ...existing.content, ...defined };
    this.#checkVerificationContent(content);
    if (content.fromEmailAddress !== existing.content.fromEmailAddress)
      await this.#requireVerifiedSender(accountId, content.fromEmailAddress);
    await this.#store.templates.update({ ...existing, content, updatedAt: this.#now() });
  }

  /** SES refuses a custom verification template whose sender the account may not send as (at create time). */
  async #requireVerifiedSender(accountId: string, from: string): Promise<void> {
    if (!(await this.#senders.senderProfile(accountId, from)))
      throw badRequest(
        `The FromEmailAddress ${from} of the template is not a verified identity of this account.`,
        'from-address-not-verified',
      );
  }

  async deleteVerification(accountId: string, name: string): Promise<void> {
    if (!(await this.#store.templates.delete(accountId, 'verification', name)))
      throw verificationNotFound(name);
  }

  // ---- checks -----------------------------------------------------------------------------------------

  #checkName(name: string): void {
    if (!NAME.test(name))
      throw badRequest(
        `Invalid template name "${name}": use 1 to 64 ASCII letters, digits, underscores and dashes.`,
      );
  }

  #checkSize(content: object): void {
    const size = Object.values(content).reduce<number>(
      (n, v) => n + (typeof v === 'string' ? Buffer.byteLength(v) : 0),
      0,
    );
    if (size > this.#settings.maxTemplateSize)
      throw badRequest(
        `The template is ${size} bytes; templates may be at most ${this.#settings.maxTemplateSize} bytes.`,
        'invalid-template',
      );
  }

  #checkEmailContent(name: string, content: EmailTemplateContent): void {
    if (!content.subject && !content.text && !content.html)
      throw badRequest('A template needs a subject, a text part or an HTML part.', 'invalid-template');
    this.#checkSize(content);
    try {
      new CompiledTemplate(name, content);
    } catch (err) {
      if (err instanceof RenderingError) throw badRequest(err.message, 'invalid-template');
      throw err;
    }
  }

  #checkVerificationContent(c: VerificationTemplateContent): void {
    for (const [member, url] of [
      ['SuccessRedirectionURL', c.successRedirectionUrl],
      ['FailureRedirectionURL', c.failureRedirectionUrl],
    ] as const)
      if (!/^https?:\/\/[^\s]+$/i.test(url))
        throw badRequest(`${member} must be an http or https URL.`, 'invalid-verification-template');
    if (!c.subject.trim()) throw badRequest('TemplateSubject must not be empty.');
    if (/[\r\n]/.test(c.subject)) throw badRequest('TemplateSubject must not contain line breaks.');
    this.#checkSize(c);
  }

  #nameOf(accountId: string, nameOrArn: string): string {
    if (!nameOrArn.startsWith('arn:')) return nameOrArn;
    const m = /^arn:aws:ses:([^:]+):(\d{12}):template\/(.+)$/.exec(nameOrArn);
    if (!m) throw badRequest(`${nameOrArn} is not a valid template ARN.`);
    if (m[2] !== accountId || m[1] !== this.#settings.region)
      throw badRequest(
        `The template ARN ${nameOrArn} names another account or region; Sesame sends only with the caller's own templates.`,
      );
    return m[3]!;
  }

  async #insert(
    accountId: string,
    kind: TemplateKind,
    name: string,
    content: object,
    conflict: () => SesError,
  ): Promise<void> {
    const now = this.#now();
    try {
      await this.#store.templates.create({
        accountId,
        kind,
        name,
        createdAt: now,
        updatedAt: now,
        content,
      });
    } catch (err) {
      if (err instanceof StoreConflictError) throw conflict();
      throw err;
    }
    if (kind === 'email') await this.#cache.changed();
  }
}

function compileStored(t: TemplateRecord<EmailTemplateContent>): CompiledTemplate {
  const parts: TemplateParts = t.content;
  return new CompiledTemplate(t.name, parts);
}

function templateNotFound(name: string): SesError {
  return notFound('Template', `Template ${name} does not exist.`);
}

function verificationNotFound(name: string): SesError {
  return notFound(
    'CustomVerificationEmailTemplate',
    `Custom verification email template ${name} does not exist.`,
  );
}
