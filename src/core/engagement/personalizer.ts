/**
 * The message as one recipient receives it: open/click tracking in its HTML, and for list-managed sends the
 * recipient's one-click unsubscribe link in List-Unsubscribe (RFC 8058) and at {{amazonSESUnsubscribeUrl}}.
 * The MTA asks for it at delivery time, so accepted messages are stored once for all recipients.
 */
import { parseHeaderBlock, rewriteHeaders, rewriteTextParts } from '../../lib/mime/index.ts';
import type { MessageRecord } from '../../store/store.ts';
import { UNSUBSCRIBE_PLACEHOLDER, type ListManagement } from '../contacts/list-management.ts';
import type { Tracker } from '../tracking/tracker.ts';

export class Personalizer {
  readonly #tracker: Tracker;
  readonly #lists: ListManagement;

  constructor(deps: { tracker: Tracker; lists: ListManagement }) {
    this.#tracker = deps.tracker;
    this.#lists = deps.lists;
  }

  /** Whether each recipient gets a copy of their own (tracking links, unsubscribe links name the recipient). */
  isPersonal(message: MessageRecord): boolean {
    return message.options?.tracking != null || message.listManagement !== null;
  }

  /** Tracking goes first, so the unsubscribe link is never turned into a tracked click. */
  async personalize(message: MessageRecord, body: Buffer, recipientIndex: number): Promise<Buffer> {
    const tracked = await this.#tracker.personalize(message, body, recipientIndex);
    if (!message.listManagement) return tracked;
    const url = this.#lists.unsubscribeUrl(message.id, recipientIndex);
    const withHeaders = rewriteHeaders(
      tracked,
      parseHeaderBlock(tracked),
      new Set(['list-unsubscribe', 'list-unsubscribe-post']),
      [
        { name: 'List-Unsubscribe', value: `<${url}>` },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ],
    );
    return rewriteTextParts(withHeaders, ['text/plain', 'text/html'], (text) =>
      text.replaceAll(UNSUBSCRIBE_PLACEHOLDER, url),
    );
  }
}
