/**
 * The operator's dedicated IPs: the sending addresses of the nodes, and which account each is leased to
 * (accounts then group theirs in pools over SES v2; docs/capabilities/dedicated-ips.md).
 */
import type { DedicatedIpRecord, OperatorPort } from '../../core/index.ts';
import { UsageError, json, parse, positional } from './args.ts';

interface Context {
  core: OperatorPort;
  out: (text: string) => void;
}
type Handler = (ctx: Context, args: string[]) => Promise<void>;

const summary = (r: DedicatedIpRecord) => ({
  ip: r.ip,
  node: r.nodeId ?? '(any)',
  ehlo: r.ehlo ?? '(node host name)',
  accountId: r.accountId,
  pool: r.accountId ? (r.poolName ?? 'ses-default-dedicated-pool') : null,
});

export const ipCommands: Record<string, Handler> = {
  async 'ips add'(ctx, args) {
    const { positionals, values } = parse(args, {
      node: { type: 'string' },
      ehlo: { type: 'string' },
      account: { type: 'string' },
    });
    const ip = positional(positionals, 0, 'ADDRESS');
    const r = await ctx.core.dedicatedIps.declare({
      ip,
      nodeId: values.node ?? null,
      ehlo: values.ehlo ?? null,
      ...(values.account !== undefined ? { accountId: values.account } : {}),
    });
    ctx.out(json(summary(r)));
  },

  async 'ips assign'(ctx, args) {
    const { positionals, values } = parse(args, {
      account: { type: 'string' },
      pool: { type: 'string' },
      none: { type: 'boolean' },
    });
    const ip = positional(positionals, 0, 'ADDRESS');
    if (!values.account && !values.none) throw new UsageError('ips assign needs --account ID (or --none)');
    await ctx.core.dedicatedIps.assign(ip, values.none ? null : values.account!, values.pool ?? null);
    const r = (await ctx.core.dedicatedIps.all()).find((x) => x.ip === ip)!;
    ctx.out(json(summary(r)));
  },

  async 'ips list'(ctx) {
    ctx.out(json((await ctx.core.dedicatedIps.all()).map(summary)));
  },

  async 'ips remove'(ctx, args) {
    const { positionals } = parse(args, {});
    const ip = positional(positionals, 0, 'ADDRESS');
    await ctx.core.dedicatedIps.remove(ip);
    ctx.out(json({ ip, removed: true }));
  },
};

export const IPS_USAGE = `  ips add ADDRESS [--node ID] [--ehlo NAME] [--account ID]
                                          Declare a sending address (a dedicated IP) of a node, its EHLO name
                                          (its PTR name), optionally leased to an account
  ips assign ADDRESS --account ID [--pool NAME] | --none
                                          Lease an address to an account (warm-up starts), or take it back
  ips list                                Declared addresses, their nodes, accounts and pools
  ips remove ADDRESS                      Forget an address`;
