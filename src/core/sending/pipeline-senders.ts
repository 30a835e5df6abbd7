/**
 * The send pipeline's sender step: every address the message is sent as must be a verified identity of the
 * caller's account, or of another account whose identity the request names by ARN and whose policies allow
 * the caller (sending authorization); a key limited to some identities may use only those.
 */
import { headerValue, parseMailbox } from '../../lib/mime/index.ts';
import type { AuthorizationRequest } from '../authorization/policy.ts';
import {
  identityCovers,
  parseIdentityArn,
  type IdentityArn,
} from '../authorization/sending-authorization.ts';
import { SesError, badRequest } from '../errors.ts';
import type { SendContext } from './pipeline.ts';
import type { IdentityArns } from './types.ts';

/** The IAM action a send operation stands for (SMTP is SendRawEmail). */
export function sendAction(operation: string): string {
  return operation === 'SendSmtpEmail' ? 'ses:SendRawEmail' : `ses:${operation}`;
}

/** The request's identity ARNs, raw headers filling in what the parameters leave out (the parameter wins). */
export function readIdentityArns(ctx: SendContext): void {
  const given: IdentityArns = { ...ctx.input.identityArns };
  const block = ctx.raw?.block;
  if (block) {
    given.source ??= headerValue(block, 'x-ses-source-arn')?.trim() || undefined;
    given.from ??= headerValue(block, 'x-ses-from-arn')?.trim() || undefined;
    given.returnPath ??= headerValue(block, 'x-ses-return-path-arn')?.trim() || undefined;
  }
  ctx.identityArns = [];
  for (const arn of [given.source, given.from, given.returnPath]) {
    if (arn === undefined) continue;
    const parsed = parseIdentityArn(arn);
    if (!parsed)
      throw badRequest(
        `The identity ARN ${arn} is not valid (arn:aws:ses:<region>:<account>:identity/<name>).`,
      );
    ctx.identityArns.push(parsed);
  }
}

/** Formats the SES refusal for unverified addresses ("… failed the check in region US-EAST-1: a, b"). */
export function notVerified(region: string, identities: string[]): SesError {
  return new SesError(
    'MessageRejected',
    `Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${identities.join(', ')}`,
  );
}

export async function checkSenderIdentities(ctx: SendContext): Promise<void> {
  const { deps, account } = ctx;
  const principal = ctx.input.principal ?? { accountId: account.id };
  const action = sendAction(ctx.input.operation);
  const failed: string[] = [];
  for (const given of [...new Set(ctx.senderChecks)]) {
    const m = parseMailbox(given);
    if (!m) {
      failed.push(given);
      continue;
    }
    // The first named identity that covers the address decides whose it is; none: the caller's own.
    const named: IdentityArn | undefined = ctx.identityArns.find((a) =>
      identityCovers(a.identity, m.address),
    );
    const owner = named?.accountId ?? account.id;
    let profile =
      named?.region === deps.region || !named ? await deps.senderProfile(owner, m.address) : undefined;
    if (profile && named) {
      if (!(await deps.identityVerified(owner, named.identity))) profile = undefined;
      // Another account's default configuration set is not the caller's to use.
      else
        profile = {
          ...profile,
          identity: named.identity,
          identityArn: named.arn,
          ...(owner === account.id ? {} : { configurationSetName: null }),
        };
    }
    if (!profile) {
      failed.push(given);
      continue;
    }
    await deps.authorizeSend({
      principal,
      action,
      ownerAccountId: owner,
      identity: profile.identity,
      values: () => conditionValues(ctx),
    });
    if (m.address === ctx.from.address) ctx.profile = profile;
  }
  if (failed.length) throw notVerified(deps.region, failed);
}

/** The condition keys' values of this send (ses-spec §9: recipients, From, Return-Path, API version, …). */
function conditionValues(ctx: SendContext): AuthorizationRequest['values'] {
  const p = ctx.input.principal;
  const headerFrom = ctx.raw ? parseMailbox(headerValue(ctx.raw.block, 'from') ?? '') : undefined;
  const displayName = ctx.from.name || headerFrom?.name || '';
  const returnPath =
    ctx.input.feedbackAddress ??
    ctx.input.envelopeFrom ??
    (ctx.raw && headerValue(ctx.raw.block, 'return-path')?.replace(/^<(.*)>$/, '$1'));
  return {
    'ses:recipients': ctx.recipients,
    'ses:fromaddress': [ctx.from.address],
    ...(displayName ? { 'ses:fromdisplayname': [displayName] } : {}),
    ...(returnPath ? { 'ses:feedbackaddress': [returnPath] } : {}),
    ...(p ? { 'ses:apiversion': [p.apiVersion], 'aws:securetransport': [String(p.secureTransport)] } : {}),
    ...(p?.userAgent ? { 'aws:useragent': [p.userAgent] } : {}),
    ...(ctx.input.sourceIp ? { 'aws:sourceip': [ctx.input.sourceIp] } : {}),
    'aws:currenttime': [new Date(ctx.now).toISOString()],
    'aws:epochtime': [String(Math.floor(ctx.now / 1000))],
  };
}
