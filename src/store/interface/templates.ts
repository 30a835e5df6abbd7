/** Email templates and custom verification email templates. */
import type { Page } from './common.ts';

/** Email templates (CreateEmailTemplate / CreateTemplate) and custom verification email templates. */
export type TemplateKind = 'email' | 'verification';

export interface TemplateRecord<C = unknown> {
  accountId: string;
  kind: TemplateKind;
  name: string;
  createdAt: number;
  updatedAt: number;
  /** The template's parts (subject, text, HTML, or the custom verification fields). */
  content: C;
}

export interface TemplateStore {
  /** Throws {@link StoreConflictError} when the account has a template of that kind and name. */
  create(template: TemplateRecord): Promise<void>;
  get(accountId: string, kind: TemplateKind, name: string): Promise<TemplateRecord | null>;
  /** Ordered by name; `after` is the last name of the previous page. */
  list(
    accountId: string,
    kind: TemplateKind,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<TemplateRecord>>;
  count(accountId: string, kind: TemplateKind): Promise<number>;
  /** Replaces content and updatedAt; false when there is no such template. */
  update(template: TemplateRecord): Promise<boolean>;
  delete(accountId: string, kind: TemplateKind, name: string): Promise<boolean>;
}
