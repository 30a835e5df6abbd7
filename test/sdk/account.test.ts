import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GetAccountCommand,
  PutAccountDetailsCommand,
  PutAccountSendingAttributesCommand,
  PutAccountSuppressionAttributesCommand,
  ConflictException,
} from '@aws-sdk/client-sesv2';
import { startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';

let sesame: TestSesame;
let acct: TestAccount;

beforeAll(async () => {
  sesame = await startSesame();
  acct = await sesame.createAccount();
});
afterAll(() => sesame.close());

describe('SES v2 account operations', () => {
  it('GetAccount shows a new account in the sandbox with the sandbox quota', async () => {
    const a = await acct.v2.send(new GetAccountCommand({}));
    expect(a.$metadata.httpStatusCode).toBe(200);
    expect(a.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.ProductionAccessEnabled).toBe(false);
    expect(a.SendQuota).toEqual({ Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 0 });
    expect(a.SendingEnabled).toBe(true);
    expect(a.EnforcementStatus).toBe('HEALTHY');
    expect(a.SuppressionAttributes?.SuppressedReasons).toEqual(['BOUNCE', 'COMPLAINT']);
    expect(a.Details).toBeUndefined();
  });

  it('PutAccountDetails opens a production-access review that an operator grants', async () => {
    await acct.v2.send(
      new PutAccountDetailsCommand({
        MailType: 'TRANSACTIONAL',
        WebsiteURL: 'https://shop.example.com',
        ContactLanguage: 'EN',
        UseCaseDescription: 'Order confirmations',
        AdditionalContactEmailAddresses: ['ops@example.com'],
        ProductionAccessEnabled: true,
      }),
    );
    let a = await acct.v2.send(new GetAccountCommand({}));
    expect(a.Details).toMatchObject({
      MailType: 'TRANSACTIONAL',
      WebsiteURL: 'https://shop.example.com',
      ContactLanguage: 'EN',
      UseCaseDescription: 'Order confirmations',
      AdditionalContactEmailAddresses: ['ops@example.com'],
      ReviewDetails: { Status: 'PENDING' },
    });
    expect(a.Details?.ReviewDetails?.CaseId).toBeTruthy();
    expect(a.ProductionAccessEnabled).toBe(false);

    // While the review is pending, another request conflicts.
    await expect(
      acct.v2.send(
        new PutAccountDetailsCommand({
          MailType: 'MARKETING',
          WebsiteURL: 'https://x.example',
          ProductionAccessEnabled: true,
        }),
      ),
    ).rejects.toBeInstanceOf(ConflictException);

    const pending = await sesame.platform.core.accounts.listReviews('PENDING');
    expect(pending.map((p) => p.id)).toContain(acct.accountId);
    await sesame.platform.core.accounts.decideReview(acct.accountId, 'GRANTED');

    a = await acct.v2.send(new GetAccountCommand({}));
    expect(a.ProductionAccessEnabled).toBe(true);
    expect(a.Details?.ReviewDetails?.Status).toBe('GRANTED');
    expect(a.SendQuota).toMatchObject({ Max24HourSend: 50000, MaxSendRate: 14 });
  });

  it('a denied review leaves the account in the sandbox', async () => {
    const other = await sesame.createAccount();
    await other.v2.send(
      new PutAccountDetailsCommand({
        MailType: 'MARKETING',
        WebsiteURL: 'https://n.example',
        ProductionAccessEnabled: true,
      }),
    );
    await sesame.platform.core.accounts.decideReview(other.accountId, 'DENIED');
    const a = await other.v2.send(new GetAccountCommand({}));
    expect(a.ProductionAccessEnabled).toBe(false);
    expect(a.Details?.ReviewDetails?.Status).toBe('DENIED');
    expect(a.SendQuota?.Max24HourSend).toBe(200);
  });

  it('PutAccountSendingAttributes pauses and resumes sending', async () => {
    await acct.v2.send(new PutAccountSendingAttributesCommand({ SendingEnabled: false }));
    expect((await acct.v2.send(new GetAccountCommand({}))).SendingEnabled).toBe(false);
    await acct.v2.send(new PutAccountSendingAttributesCommand({ SendingEnabled: true }));
    expect((await acct.v2.send(new GetAccountCommand({}))).SendingEnabled).toBe(true);
  });

  it('PutAccountSuppressionAttributes sets the reasons that suppress automatically', async () => {
    await acct.v2.send(new PutAccountSuppressionAttributesCommand({ SuppressedReasons: ['BOUNCE'] }));
    expect((await acct.v2.send(new GetAccountCommand({}))).SuppressionAttributes?.SuppressedReasons).toEqual([
      'BOUNCE',
    ]);
    await acct.v2.send(new PutAccountSuppressionAttributesCommand({ SuppressedReasons: [] }));
    expect((await acct.v2.send(new GetAccountCommand({}))).SuppressionAttributes?.SuppressedReasons).toEqual(
      [],
    );
  });

  it('accounts are isolated from each other', async () => {
    const other = await sesame.createAccount();
    const a = await other.v2.send(new GetAccountCommand({}));
    expect(a.ProductionAccessEnabled).toBe(false);
    expect(a.Details).toBeUndefined();
  });

  it('never logs a secret access key or SMTP password, and the database does not hold them in clear', async () => {
    const fresh = await sesame.createAccount();
    await fresh.v2.send(new GetAccountCommand({}));
    expect(sesame.logs()).toContain(fresh.accessKeyId);
    expect(sesame.logs()).not.toContain(fresh.secretAccessKey);
    expect(sesame.logs()).not.toContain(fresh.smtpPassword);
    const key = await sesame.platform.store.accessKeys.get(fresh.accessKeyId);
    expect(key?.sealedSecret).toMatch(/^v1:/);
    expect(key?.sealedSecret).not.toContain(fresh.secretAccessKey);
  });
});
