/** Authenticates an AWS request: SigV4 against the access key's secret, for this node's region. */
import type { ResolvedKey, SesApiPort } from '../../core/index.ts';
import type { AwsHttpRequest } from './http-types.ts';
import { AuthFailure, parseSignature, verifySignature } from './sigv4.ts';

/** Who signed the request: the account, the key's IAM user and limits, and how the request came. */
export interface Caller {
  accountId: string;
  accessKeyId: string;
  userName: string | null;
  permissions: ResolvedKey['permissions'];
  secure: boolean;
  userAgent: string | undefined;
}

export async function authenticate(core: SesApiPort, req: AwsHttpRequest, service: string): Promise<Caller> {
  const parsed = parseSignature(req, Date.now());
  const { region, service: scoped, accessKeyId } = parsed.credential;
  if (scoped !== service)
    throw new AuthFailure('service', `Credential should be scoped to correct service: '${service}'. `);
  if (region !== core.region)
    throw new AuthFailure('region', `Credential should be scoped to a valid region, not '${region}'. `);
  const key = await core.accounts.resolveAccessKey(accessKeyId);
  if (!key) throw new AuthFailure('unknown-key', 'The security token included in the request is invalid.');
  verifySignature(req, parsed, key.secretAccessKey);
  return {
    accountId: key.accountId,
    accessKeyId,
    userName: key.userName,
    permissions: key.permissions,
    secure: req.secure === true,
    userAgent: header(req, 'user-agent'),
  };
}

/** The credential scope's service of a signed request, without verifying it (to route `POST /` between SES and SNS). */
export function scopedService(req: AwsHttpRequest): string | undefined {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() !== 'authorization') continue;
    return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(req.rawHeaders[i + 1]!)?.[1];
  }
  return undefined;
}

function header(req: AwsHttpRequest, name: string): string | undefined {
  for (let i = 0; i < req.rawHeaders.length; i += 2)
    if (req.rawHeaders[i]!.toLowerCase() === name) return req.rawHeaders[i + 1];
  return undefined;
}
