/**
 * Open and click tracking, as SES does it (ses-spec.md §4.5): for messages whose configuration set publishes
 * OPEN or CLICK events, every HTML part gets a 1×1 pixel (at `{{ses:openTracker}}` or at the end) and its
 * links are rewritten to Sesame's redirect, per recipient. Links with `ses:no-track` are left alone,
 * `ses:tags="k:v;"` become the click's linkTags; both attributes are removed. Tracking URLs are signed and
 * self-contained (message, recipient, link), so a tampered one is refused without any lookup.
 */
import type { PublicLinks } from '../../lib/public-links.ts';
import { SignedTokens } from '../../lib/signed-token.ts';
import type { MessageRecord } from '../../store/store.ts';
import { rewriteTextParts } from '../../lib/mime/index.ts';

export const MAX_TRACKED_LINKS = 250;

export interface TrackingToken {
  /** Message id. */
  m: string;
  /** Recipient index. */
  r: number;
  /** Click: the original URL. */
  u?: string;
  /** Click: the link's tags. */
  t?: Record<string, string[]>;
}

// A 1×1 transparent GIF.
export const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

const isTrackingToken = (v: unknown): v is TrackingToken =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as TrackingToken).m === 'string' &&
  typeof (v as TrackingToken).r === 'number';

export class Tracker {
  readonly #tokens: SignedTokens<TrackingToken>;
  readonly #links: PublicLinks;

  constructor(key: Buffer, links: PublicLinks) {
    this.#tokens = new SignedTokens(key, isTrackingToken);
    this.#links = links;
  }

  sign(token: TrackingToken): string {
    return this.#tokens.sign(token);
  }

  /** The token's content, or undefined when it was not issued by Sesame (tampered or made up). */
  verify(signed: string): TrackingToken | undefined {
    return this.#tokens.verify(signed);
  }

  /** The message as one recipient receives it: HTML parts with the pixel and rewritten links. */
  async personalize(message: MessageRecord, body: Buffer, recipientIndex: number): Promise<Buffer> {
    const tracking = message.options?.tracking;
    if (!tracking) return body;
    return rewriteTextParts(body, ['text/html'], (html) =>
      this.#rewriteHtml(html, message.id, recipientIndex, tracking),
    );
  }

  #rewriteHtml(
    html: string,
    messageId: string,
    r: number,
    tracking: { base: string; open: boolean; click: boolean },
  ): string {
    let result = html;
    if (tracking.click) {
      let count = 0;
      result = result.replace(/<a\b([^>]*)>/gi, (tag: string, attrs: string) => {
        const noTrack = /\sses:no-track(\s*=\s*("[^"]*"|'[^']*'|\S+))?/i.test(attrs);
        const tagsMatch = /\sses:tags\s*=\s*("([^"]*)"|'([^']*)')/i.exec(attrs);
        let cleaned = attrs
          .replace(/\sses:no-track(\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/gi, '')
          .replace(/\sses:tags\s*=\s*("[^"]*"|'[^']*')/gi, '');
        const href = /\shref\s*=\s*("([^"]*)"|'([^']*)')/i.exec(cleaned);
        const url = href ? (href[2] ?? href[3] ?? '') : '';
        if (noTrack || !href || !/^https?:\/\//i.test(url) || count >= MAX_TRACKED_LINKS)
          return `<a${cleaned}>`;
        count++;
        const linkTags: Record<string, string[]> = {};
        for (const pair of (tagsMatch?.[2] ?? tagsMatch?.[3] ?? '').split(';')) {
          const [k, v] = pair.split(':');
          if (k?.trim() && v !== undefined) linkTags[k.trim()] = [...(linkTags[k.trim()] ?? []), v.trim()];
        }
        const original = Buffer.from(decodeEntities(url), 'latin1').toString('utf8');
        const token = this.sign({
          m: messageId,
          r,
          u: original,
          ...(Object.keys(linkTags).length ? { t: linkTags } : {}),
        });
        cleaned = cleaned.replace(href[0], ` href="${this.#links.click(token, tracking.base)}"`);
        return `<a${cleaned}>`;
      });
    }
    if (tracking.open) {
      const pixel = `<img src="${this.#links.openPixel(this.sign({ m: messageId, r }), tracking.base)}" width="1" height="1" alt="" style="display:none;border:0" />`;
      if (result.includes('{{ses:openTracker}}'))
        result = result.replace('{{ses:openTracker}}', pixel).replaceAll('{{ses:openTracker}}', '');
      else if (/<\/body>/i.test(result)) result = result.replace(/<\/body>/i, `${pixel}</body>`);
      else result += pixel;
    }
    return result;
  }
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}
