/**
 * The operator's delivery commands: the queue across nodes (queued mail, traffic shaping in effect, why
 * deferred mail waits), and dedicated IPs — the sending addresses of the nodes and which account each is
 * leased to (accounts then group theirs in pools over SES v2; docs/capabilities/dedicated-ips.md).
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

export const deliveryCommands: Record<string, Handler> = {
  async queue(ctx) {
    const [nodes, deferrals] = await Promise.all([
      ctx.core.queueOverview.nodes(),
      ctx.core.queueOverview.deferrals(50),
    ]);
    ctx.out(
      json({
        nodes: nodes.map((n) => ({
          node: n.id,
          alive: n.alive,
          heartbeatAt: new Date(n.heartbeatAt).toISOString(),
          queued: n.queued,
          // Per sending address and provider: limits in effect and any automation a deferral reply set.
          shaping: n.shaping ?? [],
        })),
        deferrals: deferrals.map((d) => ({ ...d, lastAt: new Date(d.lastAt).toISOString() })),
      }),
    );
  },

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
    const r = await ctx.core.dedicatedIps.assign(
      ip,
      values.none ? null : values.account!,
      values.pool ?? null,
    );
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

export const DELIVERY_USAGE = `  queue                                   Queued mail per node, traffic shaping in effect per sending address
                                          and provider, and the latest deferral replies
  ips add ADDRESS [--node ID] [--ehlo NAME] [--account ID]
                                          Declare a sending address (a dedicated IP) of a node, its EHLO name
                                          (its PTR name), optionally leased to an account
  ips assign ADDRESS --account ID [--pool NAME] | --none
                                          Lease an address to an account (warm-up starts), or take it back
  ips list                                Declared addresses, their nodes, accounts and pools
  ips remove ADDRESS                      Forget an address`;
