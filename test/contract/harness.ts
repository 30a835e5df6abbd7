/**
 * The Store contract harness: every suite runs against each implementation in the same run — SQLite always,
 * PostgreSQL whenever it is reachable (SESAME_TEST_DATABASE_URL, else the local server CI uses) — as Kysely's
 * own tests loop over their dialects. Each test makes its own data (fresh ids from `ids`), so none depends on
 * another; tests of node-wide tables (queue ownership, the outbox) open a store of their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openStore } from '../../src/store/kysely-store.ts';
import type {
  AcceptedMessage,
  AccountRecord,
  IdentityRecord,
  NotificationRecord,
  RecipientRecord,
  Store,
} from '../../src/store/store.ts';

const postgresUrl = /^postgres(ql)?:\/\//.test(process.env.SESAME_TEST_DATABASE_URL ?? '')
  ? process.env.SESAME_TEST_DATABASE_URL!
  : 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface Dialect {
  name: 'SQLite' | 'PostgreSQL';
  available: boolean;
  /** Opens a fresh, migrated, empty store; `drop` removes it. */
  open(): Promise<{ store: Store; drop(): Promise<void> }>;
}

const pgAvailable = await postgresReachable();
if (!pgAvailable) console.warn(`Store contract: PostgreSQL at ${postgresUrl} is not reachable; skipping it`);

export const dialects: Dialect[] = [
  {
    name: 'SQLite',
    available: true,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'sesame-contract-'));
      const store = await openStore({ url: `sqlite:${dir}/sesame.db` });
      await store.migrate();
      return {
        store,
        async drop() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    available: pgAvailable,
    async open() {
      const schema = `sesame_contract_${randomBytes(6).toString('hex')}`;
      const store = await openStore({ url: postgresUrl, schema });
      await store.migrate();
      return {
        store,
        async drop() {
          await store.close();
          const client = new pg.Client({ connectionString: postgresUrl });
          await client.connect();
          try {
            await client.query(`drop schema if exists ${schema} cascade`);
          } finally {
            await client.end();
          }
        },
      };
    },
  },
];

/**
 * A store shared by the tests of one describe block (opened before them, dropped after), and `fresh()` for a
 * test that needs one of its own.
 */
export function useStore(dialect: Dialect): { readonly store: Store; fresh(): Promise<Store> } {
  let shared: { store: Store; drop(): Promise<void> } | undefined;
  const extra: { drop(): Promise<void> }[] = [];
  beforeAll(async () => {
    shared = await dialect.open();
  });
  afterAll(async () => {
    await Promise.all(extra.map((e) => e.drop()));
    await shared?.drop();
  });
  return {
    get store() {
      return shared!.store;
    },
    async fresh() {
      const s = await dialect.open();
      extra.push(s);
      return s.store;
    },
  };
}

let counter = 0;
/** Ids no other test uses: 12-digit account ids, and names with a unique suffix. */
export const ids = {
  account: (): string => String(100_000_000_000 + process.pid * 1000 + ++counter).slice(-12),
  name: (prefix: string): string => `${prefix}-${process.pid}-${++counter}`,
};

export function account(id: string, extra: Partial<AccountRecord> = {}): AccountRecord {
  return {
    id,
    name: `acct ${id}`,
    createdAt: 1_700_000_000_000 + (counter++ % 1000),
    productionAccess: false,
    max24HourSend: 200,
    maxSendRate: 1,
    sendingEnabled: true,
    enforcementStatus: 'HEALTHY',
    suppressedReasons: ['BOUNCE', 'COMPLAINT'],
    details: null,
    review: null,
    reputationSince: null,
    vdm: null,
    dedicatedIpAutoWarmup: true,
    ...extra,
  };
}

export function identity(
  accountId: string,
  name: string,
  extra: Partial<IdentityRecord> = {},
): IdentityRecord {
  return {
    accountId,
    name,
    type: name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
    createdAt: 1,
    verificationStatus: 'PENDING',
    verificationStartedAt: 1,
    emailToken: null,
    domainToken: null,
    lastCheckedAt: null,
    lastSuccessAt: null,
    nextCheckAt: null,
    checkCount: 0,
    errorType: null,
    dkimSigningEnabled: true,
    dkim: null,
    mailFrom: null,
    feedbackForwarding: true,
    configurationSetName: null,
    notifications: null,
    ...extra,
  };
}

let messageSeq = 0;
/** A message id in Sesame's shape, unique and increasing (the queue pages by it). */
export function messageId(): string {
  const hex = (++messageSeq + process.pid * 1_000_000).toString(16).padStart(16, '0');
  return `${hex}-${randomBytes(4).toString('hex')}-0000-0000-0000-000000000000-000000`;
}

export function accepted(
  accountId: string,
  o: {
    id?: string;
    recipients?: number;
    owner?: string | null;
    createdAt?: number;
    status?: RecipientRecord['status'];
    quota?: number;
    body?: Buffer;
  } = {},
): AcceptedMessage {
  const id = o.id ?? messageId();
  const n = o.recipients ?? 1;
  const createdAt = o.createdAt ?? 1_700_000_000_000;
  return {
    message: {
      id,
      accountId,
      createdAt,
      source: 'a@b.test',
      fromDomain: 'b.test',
      mailFromDomain: 'b.test',
      configurationSet: null,
      size: 3,
      recipientCount: n,
      mail: { messageId: id, destination: Array.from({ length: n }, (_, i) => `r${i}@c.test`) },
      tags: { 'ses:operation': ['SendEmail'] },
      feedbackAddress: null,
      listManagement: null,
      operation: 'SendEmail',
      options: null,
    },
    body: o.body ?? Buffer.from('x\r\n'),
    recipients: Array.from({ length: n }, (_, index) => ({
      messageId: id,
      index,
      address: `r${index}@c.test`,
      domain: 'c.test',
      status: o.status ?? 'queued',
      attempts: 0,
      nextAttemptAt: (o.status ?? 'queued') === 'queued' ? createdAt : null,
      updatedAt: createdAt,
      lastResponse: null,
      owner: o.owner === undefined ? 'node-a' : o.owner,
    })),
    events: [],
    quotaRecipients: o.quota ?? n,
  };
}

export function notification(accountId: string, extra: Partial<NotificationRecord> = {}): NotificationRecord {
  const id = ids.name('n');
  return {
    id,
    accountId,
    type: 'Notification',
    topicArn: `arn:aws:sns:us-east-1:${accountId}:t`,
    subscriptionArn: `arn:aws:sns:us-east-1:${accountId}:t:${id}`,
    endpoint: 'http://127.0.0.1:1/hook',
    snsMessageId: `sns-${id}`,
    subject: null,
    message: '{}',
    token: null,
    createdAt: 1,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: 1000,
    leaseUntil: null,
    lastError: null,
    deliveredAt: null,
    ...extra,
  };
}
