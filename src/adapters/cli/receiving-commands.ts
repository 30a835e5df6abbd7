/**
 * The operator's receiving commands: buckets (where S3 actions store), functions (where Lambda actions POST),
 * and the inbound log (every received message with its verdicts and each action's outcome, and the attempts
 * refused during the SMTP conversation).
 */
import type { InboundMessageRecord, OperatorPort } from '../../core/index.ts';
import { UsageError, json, parse, positional } from './args.ts';

interface Context {
  core: OperatorPort;
  out: (text: string) => void;
}
type Handler = (ctx: Context, args: string[]) => Promise<void>;

const iso = (t: number) => new Date(t).toISOString();

function summary(m: InboundMessageRecord) {
  return {
    messageId: m.id,
    accountId: m.accountId,
    receivedAt: iso(m.receivedAt),
    clientIp: m.clientIp,
    mailFrom: m.mailFrom,
    recipients: m.recipients,
    subject: (m.mail.commonHeaders as { subject?: string } | undefined)?.subject ?? null,
    size: m.size,
    tls: m.tls,
    status: m.status,
  };
}

export const receivingCommands: Record<string, Handler> = {
  async 'bucket create'(ctx, args) {
    const { values, positionals } = parse(args, {
      account: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      'access-key-id': { type: 'string' },
      'secret-access-key': { type: 'string' },
    });
    const name = positional(positionals, 0, 'BUCKET');
    if (!values.account) throw new UsageError('bucket create needs --account ID');
    const external = values.endpoint
      ? {
          endpoint: values.endpoint,
          region: values.region ?? 'us-east-1',
          accessKeyId: values['access-key-id'] ?? '',
          secretAccessKey: values['secret-access-key'] ?? '',
        }
      : undefined;
    if (external && (!external.accessKeyId || !external.secretAccessKey))
      throw new UsageError('an external bucket needs --access-key-id and --secret-access-key');
    const b = await ctx.core.receivingResources.createBucket(values.account, name, external);
    ctx.out(json({ bucket: b.name, accountId: b.accountId, store: b.endpoint ?? 'embedded' }));
  },

  async 'bucket list'(ctx, args) {
    const { values } = parse(args, { account: { type: 'string' } });
    const buckets = await ctx.core.receivingResources.listBuckets(values.account ?? null);
    ctx.out(
      json(
        buckets.map((b) => ({
          bucket: b.name,
          accountId: b.accountId,
          store: b.endpoint ?? 'embedded',
          createdAt: iso(b.createdAt),
        })),
      ),
    );
  },

  async 'bucket delete'(ctx, args) {
    const { positionals } = parse(args, {});
    const name = positional(positionals, 0, 'BUCKET');
    await ctx.core.receivingResources.deleteBucket(name);
    ctx.out(json({ bucket: name, deleted: true }));
  },

  async 'function map'(ctx, args) {
    const { values, positionals } = parse(args, { account: { type: 'string' } });
    const arn = positional(positionals, 0, 'FUNCTION_ARN');
    const url = positional(positionals, 1, 'URL');
    const accountId = values.account ?? /^arn:[^:]+:lambda:[^:]+:(\d{12}):/.exec(arn)?.[1];
    if (!accountId) throw new UsageError('function map needs --account ID (or an ARN that names it)');
    const { secret } = await ctx.core.receivingResources.mapFunction(accountId, arn, url);
    ctx.out(json({ functionArn: arn, accountId, url, signingSecret: secret }));
  },

  async 'function list'(ctx, args) {
    const { values } = parse(args, { account: { type: 'string' } });
    const fns = await ctx.core.receivingResources.listFunctions(values.account ?? null);
    ctx.out(
      json(
        fns.map((f) => ({
          functionArn: f.arn,
          accountId: f.accountId,
          url: f.url,
          createdAt: iso(f.createdAt),
        })),
      ),
    );
  },

  async 'function unmap'(ctx, args) {
    const { values, positionals } = parse(args, { account: { type: 'string' } });
    const arn = positional(positionals, 0, 'FUNCTION_ARN');
    const accountId = values.account ?? /^arn:[^:]+:lambda:[^:]+:(\d{12}):/.exec(arn)?.[1];
    if (!accountId) throw new UsageError('function unmap needs --account ID');
    await ctx.core.receivingResources.unmapFunction(accountId, arn);
    ctx.out(json({ functionArn: arn, unmapped: true }));
  },

  async 'inbound list'(ctx, args) {
    const { values } = parse(args, {
      account: { type: 'string' },
      limit: { type: 'string' },
      refused: { type: 'boolean' },
    });
    const limit = Math.min(10_000, Math.max(1, Number(values.limit ?? 50) || 50));
    const account = values.account ?? null;
    if (values.refused) {
      const refused = await ctx.core.inboundWork.listRefusals(account, undefined, limit);
      ctx.out(
        json(
          refused.map((r) => ({
            at: iso(r.at),
            clientIp: r.clientIp,
            mailFrom: r.mailFrom,
            recipient: r.recipient,
            accountId: r.accountId,
            reason: r.reason,
            reply: r.reply,
          })),
        ),
      );
      return;
    }
    ctx.out(json((await ctx.core.inboundWork.listMessages(account, undefined, limit)).map(summary)));
  },

  async 'inbound show'(ctx, args) {
    const { positionals } = parse(args, {});
    const id = positional(positionals, 0, 'MESSAGE_ID');
    const records = await ctx.core.inboundWork.show(id);
    ctx.out(
      json(
        records.map(({ message: m, actions }) => ({
          ...summary(m),
          verdicts: m.receipt
            ? {
                spam: m.receipt.spamVerdict,
                virus: m.receipt.virusVerdict,
                spf: m.receipt.spfVerdict,
                dkim: m.receipt.dkimVerdict,
                dmarc: m.receipt.dmarcVerdict,
              }
            : null,
          actions: actions.map((a) => ({
            rule: a.ruleName,
            action: a.action.type,
            recipients: a.recipients,
            status: a.status,
            attempts: a.attempts,
            lastError: a.lastError,
            result: a.result,
            updatedAt: iso(a.updatedAt),
          })),
        })),
      ),
    );
  },
};

export const RECEIVING_USAGE = `  bucket create BUCKET --account ID [--endpoint URL --region R --access-key-id K --secret-access-key S]
                                          A bucket for S3 actions: Sesame's embedded store, or an
                                          S3-compatible endpoint
  bucket list [--account ID] | bucket delete BUCKET
  function map FUNCTION_ARN URL [--account ID]
                                          Where a Lambda action POSTs SES's event; prints the signing secret
  function list [--account ID] | function unmap FUNCTION_ARN
  inbound list [--account ID] [--limit N] [--refused]
                                          Received mail (or attempts refused during the SMTP conversation)
  inbound show MESSAGE_ID                 A received message: envelope, verdicts, each action's outcome`;
