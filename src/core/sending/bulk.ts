/**
 * SES v2 SendBulkEmail / v1 SendBulkTemplatedEmail: the shape of a bulk call, how one entry becomes a send
 * (replacement data, tags and headers over the call's defaults), and the per-entry statuses SES answers.
 */
import type { HeaderField, SimpleAttachment } from '../../lib/mime/index.ts';
import type { SesError } from '../errors.ts';
import type { CompiledTemplate } from '../templates/renderer.ts';
import type { SendInput } from './types.ts';

/** SES allows at most 50 entries in one bulk send. */
export const MAX_BULK_ENTRIES = 50;

export interface BulkEntry {
  destination: { to?: string[] | undefined; cc?: string[] | undefined; bcc?: string[] | undefined };
  replacementData?: string | undefined;
  replacementTags?: { name: string; value: string }[] | undefined;
  replacementHeaders?: HeaderField[] | undefined;
}

export interface BulkSendInput {
  accountId: string;
  /** What every entry shares: sender, reply-to, feedback address, configuration set, list management, caller. */
  common: Omit<SendInput, 'accountId' | 'destination' | 'content' | 'tags'>;
  template: {
    name?: string | undefined;
    inline?: { subject: string | null; text: string | null; html: string | null } | undefined;
    data?: string | undefined;
    headers?: HeaderField[] | undefined;
    attachments?: SimpleAttachment[] | undefined;
  };
  defaultTags?: { name: string; value: string }[] | undefined;
  entries: BulkEntry[];
}

/** SES v2 BulkEmailStatus values (the v1 adapter renames them). */
export type BulkStatus =
  | 'SUCCESS'
  | 'MESSAGE_REJECTED'
  | 'MAIL_FROM_DOMAIN_NOT_VERIFIED'
  | 'CONFIGURATION_SET_NOT_FOUND'
  | 'TEMPLATE_NOT_FOUND'
  | 'ACCOUNT_SUSPENDED'
  | 'ACCOUNT_THROTTLED'
  | 'ACCOUNT_DAILY_QUOTA_EXCEEDED'
  | 'ACCOUNT_SENDING_PAUSED'
  | 'CONFIGURATION_SET_SENDING_PAUSED'
  | 'INVALID_PARAMETER'
  | 'TRANSIENT_FAILURE'
  | 'FAILED';

export interface BulkEntryResult {
  status: BulkStatus;
  messageId?: string;
  error?: string;
}

/** One entry as a templated send: its data, tags and headers replace the call's defaults of the same name. */
export function bulkEntrySend(
  input: BulkSendInput,
  accountId: string,
  compiled: CompiledTemplate | undefined,
  e: BulkEntry,
): SendInput {
  const t = input.template;
  return {
    ...input.common,
    accountId,
    destination: e.destination,
    content: {
      kind: 'template',
      name: t.name,
      compiled,
      data: t.data,
      replacementData: e.replacementData ?? undefined,
      headers: [
        ...(t.headers ?? []).filter(
          (h) => !e.replacementHeaders?.some((r) => r.name.toLowerCase() === h.name.toLowerCase()),
        ),
        ...(e.replacementHeaders ?? []),
      ],
      attachments: t.attachments,
    },
    tags: [
      ...(input.defaultTags ?? []).filter((d) => !e.replacementTags?.some((r) => r.name === d.name)),
      ...(e.replacementTags ?? []),
    ],
  };
}

export function bulkStatus(err: SesError): BulkStatus {
  switch (err.code) {
    case 'MessageRejected':
      return 'MESSAGE_REJECTED';
    case 'MailFromDomainNotVerifiedException':
      return 'MAIL_FROM_DOMAIN_NOT_VERIFIED';
    case 'NotFoundException':
      return err.resource === 'ConfigurationSet'
        ? 'CONFIGURATION_SET_NOT_FOUND'
        : err.resource === 'Template'
          ? 'TEMPLATE_NOT_FOUND'
          : 'INVALID_PARAMETER';
    case 'AccountSuspendedException':
      return 'ACCOUNT_SUSPENDED';
    case 'TooManyRequestsException':
      return err.reason === 'daily' ? 'ACCOUNT_DAILY_QUOTA_EXCEEDED' : 'ACCOUNT_THROTTLED';
    case 'SendingPausedException':
      return err.reason === 'configuration-set'
        ? 'CONFIGURATION_SET_SENDING_PAUSED'
        : 'ACCOUNT_SENDING_PAUSED';
    case 'BadRequestException':
      return 'INVALID_PARAMETER';
    default:
      return 'FAILED';
  }
}
