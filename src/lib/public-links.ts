/**
 * Sesame's public URL scheme: every link it puts in mail and notifications (open pixel, click redirect,
 * one-click unsubscribe, address verification, SNS signing certificate, subscribe and unsubscribe links) and
 * the route each is served on (the SNS subscribe and unsubscribe links are Query API actions on `/`). One place: the core builds links with it, adapters/http routes with it, so the
 * two cannot drift apart.
 */

/** The Fastify route of each link (`:token` is the link's signed token). */
export const LINK_ROUTES = {
  openPixel: '/t/o/:token',
  click: '/t/c/:token',
  unsubscribe: '/unsubscribe/:token',
  verifyEmail: '/verify-email/:token',
  snsSigningCert: '/sns/SimpleNotificationService-sesame.pem',
  /** Development mode's inbox page of captured mail (its JSON API is under /api/dev). */
  inbox: '/inbox',
} as const;

/** The open pixel's token is served with a `.gif` suffix (some clients load only images that look like one). */
export const OPEN_PIXEL_SUFFIX = '.gif';

export class PublicLinks {
  /** Base URL of the links, without a trailing slash (SESAME_PUBLIC_URL). */
  readonly base: string;

  constructor(base: string) {
    this.base = base.replace(/\/+$/, '');
  }

  /** The open-tracking pixel; `base` is a configuration set's custom redirect domain when it has one. */
  openPixel(token: string, base = this.base): string {
    return `${base}${route('openPixel', token)}${OPEN_PIXEL_SUFFIX}`;
  }

  /** The click-tracking redirect. */
  click(token: string, base = this.base): string {
    return `${base}${route('click', token)}`;
  }

  /** A list-managed message's one-click unsubscribe link (RFC 8058). */
  unsubscribe(token: string): string {
    return `${this.base}${route('unsubscribe', token)}`;
  }

  /** An address-verification link; a custom verification email's names its account and template. */
  verifyEmail(token: string, custom?: { accountId: string; templateName: string }): string {
    const link = `${this.base}${route('verifyEmail', token)}`;
    return custom
      ? `${link}?account=${custom.accountId}&template=${encodeURIComponent(custom.templateName)}`
      : link;
  }

  /** Development mode's inbox page. */
  inbox(): string {
    return `${this.base}${LINK_ROUTES.inbox}`;
  }

  /** SigningCertURL of SNS-style notifications. */
  snsSigningCert(): string {
    return `${this.base}${LINK_ROUTES.snsSigningCert}`;
  }

  /** UnsubscribeURL of SNS-style notifications: the Query API's Unsubscribe, unsigned (as SNS's is). */
  snsUnsubscribe(subscriptionArn: string): string {
    return `${this.base}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;
  }

  /** SubscribeURL of a subscription confirmation: the Query API's ConfirmSubscription, unsigned. */
  snsConfirmSubscription(topicArn: string, token: string): string {
    return `${this.base}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`;
  }
}

function route(name: 'openPixel' | 'click' | 'unsubscribe' | 'verifyEmail', token: string): string {
  return LINK_ROUTES[name].replace(':token', token);
}
