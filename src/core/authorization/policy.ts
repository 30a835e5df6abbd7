/**
 * Identity policies (sending authorization) in IAM's policy language: parsing with SES's limits and refusals
 * (InvalidPolicy), and evaluation of a send request against the statements — an explicit Deny wins over any
 * Allow, and nothing is allowed unless a statement allows it.
 */
import { cidrContains, validCidr } from '../../lib/cidr.ts';
import { SesError } from '../errors.ts';

/** The actions an identity policy can grant (SES's sending actions). */
export const SENDING_ACTIONS = [
  'ses:SendEmail',
  'ses:SendRawEmail',
  'ses:SendTemplatedEmail',
  'ses:SendBulkTemplatedEmail',
  'ses:SendBulkEmail',
] as const;

/** SES: at most 20 policies per identity, 4 KB each, names of up to 64 letters, digits, `-` and `_`. */
export const MAX_POLICIES_PER_IDENTITY = 20;
export const MAX_POLICY_BYTES = 4096;
const POLICY_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The condition keys Sesame fills in for a send (SES's own keys and the AWS-wide ones SES implements). */
export const CONDITION_KEYS = [
  'ses:recipients',
  'ses:fromaddress',
  'ses:fromdisplayname',
  'ses:feedbackaddress',
  'ses:apiversion',
  'aws:currenttime',
  'aws:epochtime',
  'aws:sourceip',
  'aws:securetransport',
  'aws:useragent',
] as const;
export type ConditionKey = (typeof CONDITION_KEYS)[number];

const OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'Bool',
  'IpAddress',
  'NotIpAddress',
] as const;
type Operator = (typeof OPERATORS)[number];

interface Condition {
  operator: Operator;
  set: 'ForAllValues' | 'ForAnyValue' | null;
  ifExists: boolean;
  key: ConditionKey;
  values: string[];
}

export interface Statement {
  sid: string | null;
  effect: 'Allow' | 'Deny';
  /** `*`, or principals as given: account ids and IAM ARNs (`arn:aws:iam::<account>:root|user/<name>`). */
  principals: '*' | string[];
  actions: string[];
  conditions: Condition[];
}

export interface PolicyDocument {
  statements: Statement[];
}

/** Who asks, what for, and the request's condition values (absent keys are undefined). */
export interface AuthorizationRequest {
  accountId: string;
  /** `arn:aws:iam::<account>:user/<name>`, or null for the account's root credentials. */
  userArn: string | null;
  action: string;
  values: Partial<Record<ConditionKey, string[]>>;
}

const invalid = (message: string) =>
  new SesError('BadRequestException', message, { reason: 'invalid-policy' });

export function checkPolicyName(name: string): void {
  if (!POLICY_NAME.test(name))
    throw invalid(
      `Policy name <${name}> is invalid: it must be 1 to 64 characters, letters, digits, '-' and '_' only.`,
    );
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** Parses a policy attached to `identityArn`; refuses what SES refuses (InvalidPolicy / BadRequestException). */
export function parsePolicy(text: string, identityArn: string): PolicyDocument {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES)
    throw invalid(`Policy exceeds the maximum size of ${MAX_POLICY_BYTES} bytes.`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid('Policy is not valid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw invalid('Policy must be a JSON object.');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d))
    if (!['Version', 'Id', 'Statement'].includes(k)) throw invalid(`Policy has an unknown element: ${k}.`);
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17')
    throw invalid(`Policy has an invalid Version: ${JSON.stringify(d.Version)} (2012-10-17 or 2008-10-17).`);
  if (d.Statement === undefined || list(d.Statement).length === 0)
    throw invalid('Policy must contain at least one statement.');
  return { statements: list(d.Statement).map((s, i) => parseStatement(s, i, identityArn)) };
}

function parseStatement(raw: unknown, index: number, identityArn: string): Statement {
  const where = `Statement ${index + 1}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(`${where} must be an object.`);
  const s = raw as Record<string, unknown>;
  for (const k of Object.keys(s))
    if (!['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition'].includes(k))
      throw invalid(`${where} has an unsupported element: ${k}.`);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny')
    throw invalid(`${where} has an invalid Effect (Allow or Deny).`);
  // Resource: exactly the identity the policy is attached to.
  const resources = list(s.Resource);
  if (s.Resource === undefined || resources.some((r) => r !== identityArn))
    throw invalid(`Policy has invalid resource: ${where} must name ${identityArn}.`);
  return {
    sid: typeof s.Sid === 'string' ? s.Sid : null,
    effect: s.Effect,
    principals: parsePrincipals(s.Principal, where),
    actions: parseActions(s.Action, where),
    conditions: parseConditions(s.Condition, where),
  };
}

const ACCOUNT_ID = /^\d{12}$/;
const IAM_PRINCIPAL = /^arn:aws:iam::(\d{12}):(root|user\/[\w+=,.@/-]{1,64})$/;
const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com$/;

function parsePrincipals(raw: unknown, where: string): '*' | string[] {
  if (raw === '*') return '*';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(`Policy has invalid principal: ${where} needs a Principal ("*" or {"AWS": …}).`);
  const out: string[] = [];
  for (const [kind, value] of Object.entries(raw as Record<string, unknown>)) {
    for (const p of list(value)) {
      if (typeof p !== 'string') throw invalid(`Policy has invalid principal in ${where}.`);
      if (kind === 'AWS' && (p === '*' || ACCOUNT_ID.test(p) || IAM_PRINCIPAL.test(p))) out.push(p);
      // An AWS service never sends through Sesame: accepted, and never matches.
      else if (kind === 'Service' && SERVICE_PRINCIPAL.test(p)) out.push(`service:${p}`);
      else throw invalid(`Policy has invalid principal: ${p}`);
    }
  }
  if (out.length === 0) throw invalid(`Policy has invalid principal: ${where} names none.`);
  return out.includes('*') ? '*' : out;
}

function parseActions(raw: unknown, where: string): string[] {
  const actions = list(raw);
  if (raw === undefined || actions.length === 0)
    throw invalid(`Policy has invalid action: ${where} names none.`);
  return actions.map((a) => {
    if (typeof a !== 'string' || !SENDING_ACTIONS.some((known) => wildcardMatch(a, known, true)))
      throw invalid(`Policy has invalid action: ${String(a)} (one of ${SENDING_ACTIONS.join(', ')})`);
    return a;
  });
}

function parseConditions(raw: unknown, where: string): Condition[] {
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw invalid(`${where} has an invalid Condition.`);
  const out: Condition[] = [];
  for (const [name, block] of Object.entries(raw as Record<string, unknown>)) {
    const m = /^(?:(ForAllValues|ForAnyValue):)?([A-Za-z]+?)(IfExists)?$/.exec(name);
    const operator = m?.[2] as Operator | undefined;
    if (!m || !operator || !OPERATORS.includes(operator))
      throw invalid(`Policy has an unsupported condition operator: ${name}.`);
    if (typeof block !== 'object' || block === null || Array.isArray(block))
      throw invalid(`Condition ${name} in ${where} must map keys to values.`);
    for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
      const k = key.toLowerCase() as ConditionKey;
      if (!CONDITION_KEYS.includes(k))
        throw invalid(
          `Policy has an unsupported condition key: ${key} (Sesame evaluates ${CONDITION_KEYS.join(', ')}).`,
        );
      const vs = list(values);
      if (vs.length === 0 || vs.some((v) => !['string', 'number', 'boolean'].includes(typeof v)))
        throw invalid(`Condition ${name} ${key} in ${where} needs string values.`);
      const strings = vs.map(String);
      if (operator.startsWith('Date') && strings.some((v) => parseTime(v) === undefined))
        throw invalid(`Condition ${name} ${key} in ${where} needs dates (ISO 8601 or epoch seconds).`);
      if (operator.endsWith('IpAddress') && strings.some((v) => !validCidr(v)))
        throw invalid(`Condition ${name} ${key} in ${where} needs IP addresses or CIDR blocks.`);
      out.push({
        operator,
        set: (m[1] as Condition['set']) ?? null,
        ifExists: m[3] !== undefined,
        key: k,
        values: strings,
      });
    }
  }
  return out;
}

/** The outcome of evaluating a request against an identity's policies: explicit Deny > Allow > implicit deny. */
export function evaluate(policies: PolicyDocument[], request: AuthorizationRequest): 'allow' | 'deny' {
  let allowed = false;
  for (const policy of policies)
    for (const s of policy.statements) {
      if (
        !principalMatches(s.principals, request) ||
        !s.actions.some((a) => wildcardMatch(a, request.action, true))
      )
        continue;
      if (!s.conditions.every((c) => conditionHolds(c, request.values))) continue;
      if (s.effect === 'Deny') return 'deny';
      allowed = true;
    }
  return allowed ? 'allow' : 'deny';
}

function principalMatches(principals: '*' | string[], r: AuthorizationRequest): boolean {
  if (principals === '*') return true;
  return principals.some(
    (p) =>
      p === r.accountId ||
      p === `arn:aws:iam::${r.accountId}:root` ||
      (r.userArn !== null && p === r.userArn),
  );
}

function conditionHolds(c: Condition, values: AuthorizationRequest['values']): boolean {
  const present = values[c.key];
  const negated = /Not/.test(c.operator);
  if (present === undefined || present.length === 0) {
    // IAM: an absent key fails a condition, except with IfExists, ForAllValues or a negated operator.
    return c.ifExists || c.set === 'ForAllValues' || negated;
  }
  const base = positive(c.operator);
  const hit = (v: string) => c.values.some((want) => compare(base, v, want));
  if (negated) return c.set === 'ForAnyValue' ? present.some((v) => !hit(v)) : present.every((v) => !hit(v));
  return c.set === 'ForAllValues' ? present.every(hit) : present.some(hit);
}

/** The operator a negated one negates (StringNotLike → StringLike). */
const positive = (op: Operator): Operator =>
  (op === 'NotIpAddress' ? 'IpAddress' : op.replace('Not', '')) as Operator;

function compare(op: Operator, actual: string, want: string): boolean {
  switch (op) {
    case 'StringEquals':
      return actual === want;
    case 'StringEqualsIgnoreCase':
      return actual.toLowerCase() === want.toLowerCase();
    case 'StringLike':
      return wildcardMatch(want, actual, false);
    case 'Bool':
      return actual.toLowerCase() === want.toLowerCase();
    case 'IpAddress':
      return validCidr(want) && cidrContains(want, actual);
    default:
      break;
  }
  const [a, b] = op.startsWith('Date')
    ? [parseTime(actual), parseTime(want)]
    : [Number(actual), Number(want)];
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b)) return false;
  if (op.endsWith('LessThanEquals')) return a <= b;
  if (op.endsWith('LessThan')) return a < b;
  if (op.endsWith('GreaterThanEquals')) return a >= b;
  if (op.endsWith('GreaterThan')) return a > b;
  return a === b;
}

/** IAM wildcards: `*` any run, `?` one character; actions compare case-insensitively, values do not. */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'is' : 's').test(value);
}

/** Epoch milliseconds of an ISO 8601 date or of epoch seconds. */
function parseTime(v: string): number | undefined {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}
