/**
 * Dedicated IPs as SES v2 manages them, against real delivery: each "dedicated IP" is a 127.0.0.x address
 * (any loopback address binds with no setup), and a loopback sink records the address and EHLO name every
 * message came from. Two configuration sets with two pools → each set's mail leaves from its pool's
 * addresses; an address at 10 % warm-up takes its share of the pool, the rest leaves from the warm one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateConfigurationSetCommand,
  CreateDedicatedIpPoolCommand,
  DeleteDedicatedIpPoolCommand,
  GetAccountCommand,
  GetBlacklistReportsCommand,
  GetDedicatedIpCommand,
  GetDedicatedIpPoolCommand,
  GetDedicatedIpsCommand,
  ListDedicatedIpPoolsCommand,
  ListTagsForResourceCommand,
  PutAccountDedicatedIpWarmupAttributesCommand,
  PutConfigurationSetDeliveryOptionsCommand,
  PutDedicatedIpInPoolCommand,
  PutDedicatedIpPoolScalingAttributesCommand,
  PutDedicatedIpWarmupAttributesCommand,
  SendEmailCommand,
} from '@aws-sdk/client-sesv2';
import { awsCli } from '../support/aws-cli.ts';
import { sinkFor, verifiedDomain } from '../support/mail.ts';
import { eventually, startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import type { SmtpSink } from '../support/smtp-sink.ts';

let sesame: TestSesame;
let a: TestAccount;
let other: TestAccount;
let sink: SmtpSink;
const IP = { marketing: '127.0.0.101', warm: '127.0.0.102', fresh: '127.0.0.103', elsewhere: '127.0.0.104' };

beforeAll(async () => {
  // DNSBL zones served by the loopback DNS server (never a real blocklist).
  sesame = await startSesame({ blocklistZones: ['dnsbl.test', 'clean.test'] });
  a = await sesame.createAccount({ production: true, name: 'pools' });
  other = await sesame.createAccount({ production: true, name: 'other' });
  await sesame.platform.core.accounts.update(a.accountId, { maxSendRate: -1 });
  await verifiedDomain(sesame, a, 'pools.test');
  sink = await sinkFor(sesame, 'dest.test');
  const ips = sesame.platform.core.dedicatedIps;
  await ips.declare({ ip: IP.marketing, ehlo: 'mta101.pools.test', accountId: a.accountId });
  await ips.declare({ ip: IP.warm, ehlo: 'mta102.pools.test', accountId: a.accountId });
  await ips.declare({ ip: IP.fresh, ehlo: 'mta103.pools.test', accountId: a.accountId });
  // Held by another node: this node never sends from it.
  await ips.declare({ ip: IP.elsewhere, nodeId: 'some-other-node', accountId: a.accountId });
}, 30_000);
afterAll(async () => sesame?.close());

const send = (to: string, configurationSet?: string) =>
  a.v2.send(
    new SendEmailCommand({
      FromEmailAddress: 'news@pools.test',
      Destination: { ToAddresses: [to] },
      Content: { Simple: { Subject: { Data: 'Pools' }, Body: { Text: { Data: 'Hello.' } } } },
      ...(configurationSet ? { ConfigurationSetName: configurationSet } : {}),
    }),
  );

async function delivered(prefix: string, n: number) {
  return eventually(async () => {
    const got = sink.messages.filter((m) => m.rcptTo[0]!.startsWith(prefix));
    return got.length >= n && got;
  }, 30_000);
}

describe('pools and their addresses (SES v2)', () => {
  it('creates, reads, lists and tags pools; names SES reserves are refused', async () => {
    await a.v2.send(
      new CreateDedicatedIpPoolCommand({ PoolName: 'marketing', Tags: [{ Key: 'team', Value: 'growth' }] }),
    );
    await a.v2.send(new CreateDedicatedIpPoolCommand({ PoolName: 'transactional', ScalingMode: 'STANDARD' }));
    const dup = await a.v2
      .send(new CreateDedicatedIpPoolCommand({ PoolName: 'marketing' }))
      .catch((e: Error) => e);
    expect((dup as Error).name).toBe('AlreadyExistsException');
    const reserved = await a.v2
      .send(new CreateDedicatedIpPoolCommand({ PoolName: 'ses-default-dedicated-pool' }))
      .catch((e: Error) => e);
    expect((reserved as Error).name).toBe('AlreadyExistsException');
    expect(
      (await a.v2.send(new GetDedicatedIpPoolCommand({ PoolName: 'marketing' }))).DedicatedIpPool,
    ).toEqual({
      PoolName: 'marketing',
      ScalingMode: 'STANDARD',
    });
    expect((await a.v2.send(new ListDedicatedIpPoolsCommand({}))).DedicatedIpPools).toEqual([
      'marketing',
      'transactional',
    ]);
    const arn = `arn:aws:ses:${sesame.config.region}:${a.accountId}:dedicated-ip-pool/marketing`;
    expect((await a.v2.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: 'team', Value: 'growth' },
    ]);
    // Another account sees none of it.
    const foreign = await other.v2
      .send(new GetDedicatedIpPoolCommand({ PoolName: 'marketing' }))
      .catch((e: Error) => e);
    expect((foreign as Error).name).toBe('NotFoundException');
  });

  it('moves addresses into pools and reports their warm-up', async () => {
    // Leased addresses start warming up (automatic warm-up is on by default).
    const fresh = (await a.v2.send(new GetDedicatedIpCommand({ Ip: IP.fresh }))).DedicatedIp!;
    expect(fresh).toEqual({
      Ip: IP.fresh,
      WarmupStatus: 'IN_PROGRESS',
      WarmupPercentage: 0,
      PoolName: 'ses-default-dedicated-pool',
    });
    await a.v2.send(new PutDedicatedIpInPoolCommand({ Ip: IP.marketing, DestinationPoolName: 'marketing' }));
    await a.v2.send(new PutDedicatedIpInPoolCommand({ Ip: IP.warm, DestinationPoolName: 'transactional' }));
    await a.v2.send(new PutDedicatedIpInPoolCommand({ Ip: IP.fresh, DestinationPoolName: 'transactional' }));
    await a.v2.send(new PutDedicatedIpInPoolCommand({ Ip: IP.elsewhere, DestinationPoolName: 'marketing' }));
    await a.v2.send(new PutDedicatedIpWarmupAttributesCommand({ Ip: IP.marketing, WarmupPercentage: 100 }));
    await a.v2.send(new PutDedicatedIpWarmupAttributesCommand({ Ip: IP.warm, WarmupPercentage: 100 }));
    await a.v2.send(new PutDedicatedIpWarmupAttributesCommand({ Ip: IP.fresh, WarmupPercentage: 10 }));
    expect((await a.v2.send(new GetDedicatedIpCommand({ Ip: IP.fresh }))).DedicatedIp).toEqual({
      Ip: IP.fresh,
      WarmupStatus: 'IN_PROGRESS',
      WarmupPercentage: 10,
      PoolName: 'transactional',
    });
    expect((await a.v2.send(new GetDedicatedIpCommand({ Ip: IP.warm }))).DedicatedIp).toMatchObject({
      WarmupStatus: 'DONE',
      WarmupPercentage: 100,
    });
    const pool = (await a.v2.send(new GetDedicatedIpsCommand({ PoolName: 'transactional' }))).DedicatedIps!;
    expect(pool.map((d) => d.Ip)).toEqual([IP.warm, IP.fresh]);
    const badPct = await a.v2
      .send(new PutDedicatedIpWarmupAttributesCommand({ Ip: IP.fresh, WarmupPercentage: 101 }))
      .catch((e: Error) => e);
    expect((badPct as Error).name).toBe('BadRequestException');
    const notMine = await other.v2.send(new GetDedicatedIpCommand({ Ip: IP.fresh })).catch((e: Error) => e);
    expect((notMine as Error).name).toBe('NotFoundException');
  });

  it('routes each configuration set’s mail through its pool, from the pool’s address and EHLO name', async () => {
    await a.v2.send(
      new CreateConfigurationSetCommand({
        ConfigurationSetName: 'newsletters',
        DeliveryOptions: { SendingPoolName: 'marketing' },
      }),
    );
    await a.v2.send(new CreateConfigurationSetCommand({ ConfigurationSetName: 'receipts' }));
    await a.v2.send(
      new PutConfigurationSetDeliveryOptionsCommand({
        ConfigurationSetName: 'receipts',
        SendingPoolName: 'transactional',
      }),
    );
    const unknown = await a.v2
      .send(
        new CreateConfigurationSetCommand({
          ConfigurationSetName: 'x',
          DeliveryOptions: { SendingPoolName: 'nope' },
        }),
      )
      .catch((e: Error) => e);
    expect((unknown as Error).name).toBe('NotFoundException');
    expect((unknown as Error).message).toBe('Dedicated IP pool <nope> does not exist.');

    for (let i = 0; i < 10; i++) await send(`news${i}@dest.test`, 'newsletters');
    const news = await delivered('news', 10);
    // Only the marketing address this node holds (127.0.0.104 is another node's).
    expect(new Set(news.map((m) => `${m.remoteAddress} ${m.ehlo}`))).toEqual(
      new Set([`${IP.marketing} mta101.pools.test`]),
    );

    // No configuration set: the account's addresses in no pool (none left), so the node's own address.
    await send('plain@dest.test');
    const [plain] = await delivered('plain', 1);
    expect(plain!.remoteAddress).toBe('127.0.0.1');
    expect(plain!.ehlo).toBe(sesame.config.hostname);
  });

  it('a new address at 10 % warm-up takes 10 % of its pool’s mail (±2.5 points), the rest the warm address', async () => {
    const N = 200;
    for (let i = 0; i < N; i++) await send(`rcpt${i}@dest.test`, 'receipts');
    const got = await delivered('rcpt', N);
    const fromFresh = got.filter((m) => m.remoteAddress === IP.fresh);
    const fromWarm = got.filter((m) => m.remoteAddress === IP.warm);
    expect(fromFresh.length + fromWarm.length).toBe(N);
    const share = fromFresh.length / N;
    expect(share).toBeGreaterThanOrEqual(0.075);
    expect(share).toBeLessThanOrEqual(0.125);
    expect(new Set(fromFresh.map((m) => m.ehlo))).toEqual(new Set(['mta103.pools.test']));
    expect(new Set(fromWarm.map((m) => m.ehlo))).toEqual(new Set(['mta102.pools.test']));
  });

  it('managed pools cannot become standard; their addresses report NOT_APPLICABLE', async () => {
    await a.v2.send(
      new PutDedicatedIpPoolScalingAttributesCommand({ PoolName: 'transactional', ScalingMode: 'MANAGED' }),
    );
    const back = await a.v2
      .send(
        new PutDedicatedIpPoolScalingAttributesCommand({
          PoolName: 'transactional',
          ScalingMode: 'STANDARD',
        }),
      )
      .catch((e: Error) => e);
    expect((back as Error).name).toBe('BadRequestException');
    expect((back as Error).message).toMatch(/managed pool cannot be converted to a standard pool/);
    expect((await a.v2.send(new GetDedicatedIpCommand({ Ip: IP.fresh }))).DedicatedIp).toMatchObject({
      WarmupStatus: 'NOT_APPLICABLE',
      WarmupPercentage: -1,
    });
    // Managed: a small volume stays on one address, which starts warming up towards this provider.
    for (let i = 0; i < 10; i++) await send(`managed${i}@dest.test`, 'receipts');
    const got = await delivered('managed', 10);
    expect(new Set(got.map((m) => m.remoteAddress))).toEqual(new Set([IP.warm]));
    const record = await sesame.platform.store.dedicatedIps.getIp(IP.warm);
    expect(record?.warmup.providers?.default).toBeGreaterThan(0);
    expect((await sesame.platform.store.dedicatedIps.getIp(IP.fresh))?.warmup.providers).toBeUndefined();
  });

  it('deleting a pool returns its addresses to the default pool; automatic warm-up can be turned off', async () => {
    await a.v2.send(new DeleteDedicatedIpPoolCommand({ PoolName: 'marketing' }));
    expect((await a.v2.send(new GetDedicatedIpCommand({ Ip: IP.marketing }))).DedicatedIp!.PoolName).toBe(
      'ses-default-dedicated-pool',
    );
    // Mail with no pool now leaves from that address.
    await send('default@dest.test');
    const [d] = await delivered('default', 1);
    expect(d!.remoteAddress).toBe(IP.marketing);

    expect((await a.v2.send(new GetAccountCommand({}))).DedicatedIpAutoWarmupEnabled).toBe(true);
    await a.v2.send(new PutAccountDedicatedIpWarmupAttributesCommand({ AutoWarmupEnabled: false }));
    expect((await a.v2.send(new GetAccountCommand({}))).DedicatedIpAutoWarmupEnabled).toBe(false);
    await sesame.platform.core.dedicatedIps.declare({ ip: '127.0.0.105', accountId: a.accountId });
    expect((await a.v2.send(new GetDedicatedIpCommand({ Ip: '127.0.0.105' }))).DedicatedIp).toMatchObject({
      WarmupStatus: 'DONE',
      WarmupPercentage: 100,
    });
  });

  it('GetBlacklistReports checks the dedicated IPs against the DNSBL zones (RFC 5782)', async () => {
    sesame.dns.set('101.0.0.127.dnsbl.test', {
      a: ['127.0.0.2'],
      txt: ['Listed for spam, see https://dnsbl.test/lookup?ip=127.0.0.101'],
    });
    const { BlacklistReport } = await a.v2.send(
      new GetBlacklistReportsCommand({ BlacklistItemNames: [IP.marketing, IP.warm] }),
    );
    expect(Object.keys(BlacklistReport!).sort()).toEqual([IP.marketing, IP.warm]);
    expect(BlacklistReport![IP.warm]).toEqual([]);
    const [entry, ...more] = BlacklistReport![IP.marketing]!;
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      RblName: 'dnsbl.test',
      Description: 'Listed for spam, see https://dnsbl.test/lookup?ip=127.0.0.101',
    });
    expect(entry!.ListingTime).toBeInstanceOf(Date);
    // A zone that does not answer is said to be unreachable (503), never taken for "not listed".
    sesame.dns.set('102.0.0.127.clean.test', { servfail: true });
    const down = await a.v2
      .send(new GetBlacklistReportsCommand({ BlacklistItemNames: [IP.warm] }))
      .catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    expect((down as Error).name).toBe('ServiceUnavailable');
    expect((down as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(503);
    expect((down as Error).message).toBe(
      'The DNS blocklist clean.test could not be queried for 127.0.0.102 (ESERVFAIL); try again later.',
    );
    sesame.dns.zones.delete('102.0.0.127.clean.test');
    // Only the account's own dedicated IPs, as in SES.
    const foreign = await other.v2
      .send(new GetBlacklistReportsCommand({ BlacklistItemNames: [IP.marketing] }))
      .catch((e: Error) => e);
    expect((foreign as Error).name).toBe('NotFoundException');
  });

  it('Debian’s aws CLI reads the same', async () => {
    const cli = awsCli(sesame, a);
    const r = await cli('sesv2', 'get-dedicated-ips', '--pool-name', 'transactional');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).DedicatedIps.map((d: { Ip: string }) => d.Ip)).toEqual([IP.warm, IP.fresh]);
    const p = await cli('sesv2', 'list-dedicated-ip-pools');
    expect(JSON.parse(p.stdout).DedicatedIpPools).toEqual(['transactional']);
  });
});
