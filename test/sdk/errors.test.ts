import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SESv2ServiceException } from '@aws-sdk/client-sesv2';
import {
  CreateTenantCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  ListEmailIdentitiesCommand,
} from '@aws-sdk/client-sesv2';
import { startSesame, type TestAccount, type TestSesame } from '../support/sesame.ts';
import { signedFetch } from '../support/signed-fetch.ts';
import { sesv2Model } from '../../src/adapters/aws/model/sesv2.generated.ts';
import { v2Handlers } from '../../src/adapters/ses-v2/index.ts';

/** The JSON body of an HTTP response (an AWS error or output). */
const jsonOf = (res: Response): Promise<any> => res.json();

let sesame: TestSesame;
let acct: TestAccount;

beforeAll(async () => {
  sesame = await startSesame();
  acct = await sesame.createAccount();
});
afterAll(() => sesame.close());

async function failure(p: Promise<unknown>): Promise<SESv2ServiceException> {
  try {
    await p;
  } catch (err) {
    return err as SESv2ServiceException;
  }
  throw new Error('the call succeeded');
}

describe('SES v2 error shapes', () => {
  it('every response carries x-amzn-RequestId and Date', async () => {
    const res = await signedFetch(sesame.url, {
      method: 'GET',
      path: '/v2/email/account',
      credentials: acct,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(res.headers.get('date')!)).not.toBeNaN();
    const bad = await fetch(`${sesame.url}/v2/email/account`);
    expect(bad.status).toBe(403);
    expect(bad.headers.get('x-amzn-requestid')).toBeTruthy();
    expect(bad.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await jsonOf(bad)).toEqual({ message: 'Missing Authentication Token' });
  });

  it('an unknown access key is UnrecognizedClientException (403)', async () => {
    const client = sesame.v2Client({
      accessKeyId: 'AKIAUNKNOWNUNKNOWN00',
      secretAccessKey: acct.secretAccessKey,
    });
    const err = await failure(client.send(new GetAccountCommand({})));
    expect(err.name).toBe('UnrecognizedClientException');
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toBe('The security token included in the request is invalid.');
  });

  it('a wrong secret is a signature mismatch (403 InvalidSignatureException)', async () => {
    const client = sesame.v2Client({
      accessKeyId: acct.accessKeyId,
      // Another last character (a fixed one would equal the real secret when it ends in it).
      secretAccessKey: `${acct.secretAccessKey.slice(0, -1)}${acct.secretAccessKey.endsWith('x') ? 'y' : 'x'}`,
    });
    const err = await failure(client.send(new GetAccountCommand({})));
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.message).toMatch(/signature we calculated does not match/);
  });

  it('a revoked key stops working', async () => {
    const extra = await sesame.platform.core.accounts.createAccessKey(acct.accountId);
    const client = sesame.v2Client(extra);
    await client.send(new GetAccountCommand({}));
    await sesame.platform.core.accounts.revokeAccessKey(extra.accessKeyId);
    expect((await failure(client.send(new GetAccountCommand({})))).name).toBe('UnrecognizedClientException');
  });

  it('a request signed 20 minutes ago has expired', async () => {
    const client = sesame.v2Client(acct, { systemClockOffset: -20 * 60_000 });
    const err = await failure(client.send(new GetAccountCommand({})));
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });

  it('a credential scoped to another region is refused', async () => {
    const client = sesame.v2Client(acct, { region: 'eu-west-1' });
    const err = await failure(client.send(new GetAccountCommand({})));
    expect(err.name).toBe('InvalidSignatureException');
    expect(err.message).toMatch(/Credential should be scoped to a valid region, not 'eu-west-1'/);
  });

  it('malformed JSON is a BadRequestException', async () => {
    const res = await signedFetch(sesame.url, {
      path: '/v2/email/identities',
      body: '{"EmailIdentity": ',
      credentials: acct,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect((await jsonOf(res)).message).toMatch(/^The request body is not valid JSON/);
  });

  it('a missing required member is named, AWS-style', async () => {
    const res = await signedFetch(sesame.url, {
      path: '/v2/email/identities',
      body: '{}',
      credentials: acct,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('BadRequestException');
    expect(await jsonOf(res)).toEqual({
      message:
        "1 validation error detected: Value null at 'emailIdentity' failed to satisfy constraint: Member must not be null",
    });
  });

  it('a value outside an enum is refused', async () => {
    const res = await signedFetch(sesame.url, {
      method: 'PUT',
      path: '/v2/email/identities/example.com/mail-from',
      body: JSON.stringify({ MailFromDomain: 'm.example.com', BehaviorOnMxFailure: 'SOMETIMES' }),
      credentials: acct,
    });
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).message).toMatch(
      /Value 'SOMETIMES' at 'behaviorOnMxFailure' failed to satisfy constraint: Member must satisfy enum value set/,
    );
  });

  it('the body of a tampered request no longer matches its signature', async () => {
    const res = await signedFetch(sesame.url, {
      path: '/v2/email/identities',
      body: '{"EmailIdentity":"a.example"}',
      sendBody: '{"EmailIdentity":"b.example"}',
      credentials: acct,
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    await expect(acct.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'b.example' }))).rejects.toThrow(
      /does not exist/,
    );
  });

  it('an unknown identity is NotFoundException (404)', async () => {
    const err = await failure(
      acct.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'unknown.example' })),
    );
    expect(err.name).toBe('NotFoundException');
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it('an operation Sesame does not implement answers an AWS-shaped "not supported" error', async () => {
    const err = await failure(acct.v2.send(new CreateTenantCommand({ TenantName: 't1' })));
    expect(err.name).toBe('BadRequestException');
    expect(err.message).toBe('The SESv2 operation CreateTenant is not supported by Sesame.');
  });

  it('a path that is no operation is a JSON UnknownOperationException, never an HTML 404', async () => {
    const res = await signedFetch(sesame.url, {
      method: 'GET',
      path: '/v2/email/nothing-here',
      credentials: acct,
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    const other = await fetch(`${sesame.url}/no/such/page`);
    expect(other.status).toBe(404);
    expect(other.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });

  it('routes every operation of the model (implemented or answered as not supported)', async () => {
    for (const [name, op] of Object.entries(sesv2Model.operations)) {
      const path = op.uri.replace(/\{(\w+)\}/g, 'x');
      const res = await signedFetch(sesame.url, {
        method: op.method,
        path,
        ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { body: '{}' }),
        credentials: acct,
      });
      const type = res.headers.get('x-amzn-errortype');
      expect(type, `${name} ${op.method} ${path}`).not.toBe('UnknownOperationException');
      if (!v2Handlers[name]) {
        expect(res.status, name).toBe(400);
        expect((await jsonOf(res)).message, name).toBe(
          `The SESv2 operation ${name} is not supported by Sesame.`,
        );
      }
    }
  });

  it('serves both the old and the new HTTP binding of moved operations', async () => {
    // New SDKs: POST /v2/email/list-identities; AWS CLI 2.9 / boto3 of that era: GET /v2/email/identities.
    expect(
      (await acct.v2.send(new ListEmailIdentitiesCommand({ PageSize: 5 }))).EmailIdentities,
    ).toBeDefined();
    const res = await signedFetch(sesame.url, {
      method: 'GET',
      path: '/v2/email/identities',
      query: { PageSize: '5' },
      credentials: acct,
    });
    expect(res.status).toBe(200);
    expect((await jsonOf(res)).EmailIdentities).toBeDefined();
  });
});
