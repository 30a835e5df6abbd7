/**
 * Receipt IP filters and receipt rule sets (SES v1): which clients may connect, which recipients are taken and
 * what happens to their mail. The names, limits, defaults and error texts are SES's, as probed against real
 * SES (see ../shared/reference/receiving-monitoring-console.md §1.1). Every change bumps the configuration
 * epoch, so the MX of every node sees it within one poll.
 */
import { validCidr } from '../../lib/cidr.ts';
import type { EpochCache } from '../cache.ts';
import {
  StoreConflictError,
  type ReceiptActionRecord,
  type ReceiptFilterRecord,
  type ReceiptRuleRecord,
  type ReceiptRuleSetRecord,
  type Store,
} from '../../store/store.ts';
import { SesError, badRequest, notFound } from '../errors.ts';

export const MAX_RULES_PER_SET = 200;
export const MAX_ACTIONS_PER_RULE = 10;
export const MAX_RECIPIENTS_PER_RULE = 100;
export const MAX_RULE_SETS = 40;
export const MAX_FILTERS = 100;

/** A rule as a caller gives it: the defaults SES fills in may be left out. */
export interface ReceiptRuleInput {
  name?: string | undefined;
  enabled?: boolean | undefined;
  tlsPolicy?: string | undefined;
  recipients?: string[] | undefined;
  actions?: ReceiptActionInput[] | undefined;
  scanEnabled?: boolean | undefined;
}

/** One action as given: a type and its members (unknown kinds keep their name for the refusal). */
export type ReceiptActionInput =
  | { type: ReceiptActionRecord['type']; members: Record<string, unknown> }
  | { type: 'Workmail' | 'Connect'; members: Record<string, unknown> };

const NAME_CHARS = /^[a-zA-Z0-9_.-]+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:\d{12}:.+$/;
const LAMBDA_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:.+$/;
const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

const validation = (violations: string[]): SesError =>
  badRequest(
    `${violations.length} validation error${violations.length === 1 ? '' : 's'} detected: ${violations.join('; ')}`,
    'validation',
  );
const patternViolation = (path: string) =>
  `Value at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_.-]+$`;
const lengthViolation = (path: string) =>
  `Value at '${path}' failed to satisfy constraint: Member must have length greater than or equal to 1`;
const notNull = (path: string) => `Value at '${path}' failed to satisfy constraint: Member must not be null`;
const enumViolation = (path: string, values: string) =>
  `Value at '${path}' failed to satisfy constraint: Member must satisfy enum value set: ${values}`;

/** The model layer of a name: not empty, only `[a-zA-Z0-9_.-]`. */
function nameViolations(value: string | undefined, path: string, out: string[]): void {
  if (value === undefined) return;
  if (value === '') out.push(lengthViolation(path), patternViolation(path));
  else if (!NAME_CHARS.test(value)) out.push(patternViolation(path));
}

/** SES's own layer after the model's: at most 64 characters, a letter or digit at both ends. */
function checkName(value: string, what: 'ruleSetName' | 'ruleName' | 'filterName'): void {
  const alnum = (c: string | undefined) => c !== undefined && /[a-zA-Z0-9]/.test(c);
  if (value.length > 64 || !alnum(value[0]) || !alnum(value.at(-1)))
    throw badRequest(`Not a valid ${what}: ${value}`);
}

function requireRuleSetName(name: string | undefined): string {
  if (name === undefined || name.trim() === '') throw badRequest('RuleSetName is required.');
  const v: string[] = [];
  nameViolations(name, 'ruleSetName', v);
  if (v.length) throw validation(v);
  checkName(name, 'ruleSetName');
  return name;
}

function requireRuleName(name: string | undefined, path = 'ruleName'): string {
  if (name === undefined) throw badRequest('RuleName is required.');
  const v: string[] = [];
  nameViolations(name, path, v);
  if (v.length) throw validation(v);
  checkName(name, 'ruleName');
  return name;
}

export class ReceiptRuleService {
  readonly #store: Store;
  readonly #cache: EpochCache;
  readonly #now: () => number;
  readonly #topicExists: (accountId: string, arn: string) => Promise<boolean>;
  readonly #isVerified: (accountId: string, address: string) => Promise<boolean>;

  constructor(deps: {
    store: Store;
    cache: EpochCache;
    now: () => number;
    topicExists: (accountId: string, arn: string) => Promise<boolean>;
    isVerified: (accountId: string, address: string) => Promise<boolean>;
  }) {
    this.#store = deps.store;
    this.#cache = deps.cache;
    this.#now = deps.now;
    this.#topicExists = deps.topicExists;
    this.#isVerified = deps.isVerified;
  }

  // ----- IP filters -----

  async createFilter(
    accountId: string,
    filter: { name?: string | undefined; policy?: string | undefined; cidr?: string | undefined },
  ): Promise<void> {
    const v: string[] = [];
    if (filter.name === undefined) v.push(notNull('filter.name'));
    if (filter.policy === undefined && filter.cidr === undefined) v.push(notNull('filter.ipFilter'));
    else {
      if (filter.policy === undefined) v.push(notNull('filter.ipFilter.policy'));
      else if (filter.policy !== 'Allow' && filter.policy !== 'Block')
        v.push(enumViolation('filter.ipFilter.policy', '[Allow, Block]'));
      if (filter.cidr === undefined) v.push(notNull('filter.ipFilter.cidr'));
    }
    if (v.length) throw validation(v);
    const name = filter.name!;
    if (name === '') throw badRequest('filterName must not be empty');
    if (!NAME_CHARS.test(name)) throw badRequest(`Not a valid filterName: ${name}`);
    checkName(name, 'filterName');
    if (!validCidr(filter.cidr!)) throw badRequest(`Invalid CIDR block: ${filter.cidr}`);
    if ((await this.#store.receiving.countFilters(accountId)) >= MAX_FILTERS)
      throw new SesError('LimitExceededException', 'Too many filters');
    try {
      await this.#store.receiving.createFilter({
        accountId,
        name,
        policy: filter.policy as ReceiptFilterRecord['policy'],
        cidr: filter.cidr!,
        createdAt: this.#now(),
      });
    } catch (err) {
      if (err instanceof StoreConflictError)
        throw new SesError('AlreadyExistsException', `Filter already exists: ${name}`, {
          resource: 'ReceiptFilter',
        });
      throw err;
    }
    await this.#cache.changed();
  }

  /** Idempotent, as SES. */
  async deleteFilter(accountId: string, name: string): Promise<void> {
    await this.#store.receiving.deleteFilter(accountId, name);
    await this.#cache.changed();
  }

  listFilters(accountId: string): Promise<ReceiptFilterRecord[]> {
    return this.#store.receiving.listFilters(accountId);
  }

  // ----- rule sets -----

  async createRuleSet(accountId: string, name: string | undefined): Promise<void> {
    const setName = requireRuleSetName(name);
    if ((await this.#store.receiving.countRuleSets(accountId)) >= MAX_RULE_SETS)
      throw new SesError('LimitExceededException', 'Too many rule sets');
    await this.#create(accountId, setName, []);
  }

  async cloneRuleSet(accountId: string, name: string | undefined, original: string | undefined) {
    if (name === undefined) throw badRequest('RuleSetName is required.');
    if (original === undefined) throw badRequest('OriginalRuleSetName is required.');
    const v: string[] = [];
    nameViolations(original, 'originalRuleSetName', v);
    nameViolations(name, 'ruleSetName', v);
    if (v.length) throw validation(v);
    checkName(name, 'ruleSetName');
    checkName(original, 'ruleSetName');
    // An existing target is refused before a missing source (as SES); the clone starts inactive.
    if (await this.#store.receiving.getRuleSet(accountId, name)) throw this.#setExists(name);
    const source = await this.#set(accountId, original);
    if ((await this.#store.receiving.countRuleSets(accountId)) >= MAX_RULE_SETS)
      throw new SesError('LimitExceededException', 'Too many rule sets');
    await this.#create(accountId, name, structuredClone(source.rules));
  }

  async #create(accountId: string, name: string, rules: ReceiptRuleRecord[]): Promise<void> {
    try {
      await this.#store.receiving.createRuleSet({
        accountId,
        name,
        createdAt: this.#now(),
        active: false,
        rules,
      });
    } catch (err) {
      if (err instanceof StoreConflictError) throw this.#setExists(name);
      throw err;
    }
  }

  /** Idempotent for a set that does not exist; the active set cannot be deleted. */
  async deleteRuleSet(accountId: string, name: string | undefined): Promise<void> {
    const setName = requireRuleSetName(name);
    const r = await this.#store.receiving.deleteRuleSet(accountId, setName);
    if (r === 'active')
      throw new SesError('ConflictException', `Cannot delete active rule set: ${setName}`, {
        reason: 'cannot-delete',
      });
  }

  async describeRuleSet(accountId: string, name: string | undefined): Promise<ReceiptRuleSetRecord> {
    return this.#set(accountId, requireRuleSetName(name));
  }

  activeRuleSet(accountId: string): Promise<ReceiptRuleSetRecord | null> {
    return this.#store.receiving.activeRuleSet(accountId);
  }

  listRuleSets(accountId: string, after: string | undefined) {
    return this.#store.receiving.listRuleSets(accountId, { after, limit: 100 });
  }

  /** No name: receiving is off for the account. */
  async setActiveRuleSet(accountId: string, name: string | undefined): Promise<void> {
    const setName = name === undefined || name.trim() === '' ? null : requireRuleSetName(name);
    if (!(await this.#store.receiving.setActiveRuleSet(accountId, setName))) throw this.#noSet(setName!);
    await this.#cache.changed();
  }

  async reorderRuleSet(accountId: string, name: string | undefined, ruleNames: string[]): Promise<void> {
    if (name === undefined) throw badRequest('RuleSetName is required.');
    const v: string[] = [];
    nameViolations(name, 'ruleSetName', v);
    if (ruleNames.some((n) => n === '' || n.length > 100 || !NAME_CHARS.test(n)))
      v.push(
        "Value at 'ruleNames' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 100, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^[a-zA-Z0-9_.-]+$]",
      );
    if (v.length) throw validation(v);
    checkName(name, 'ruleSetName');
    await this.#modify(accountId, name, (rules) => {
      const positions = new Map<string, number>();
      for (const [i, n] of ruleNames.entries()) {
        if (positions.has(n)) throw badRequest(`Multiple positions found for rule: ${n}`);
        positions.set(n, i);
      }
      const missing = rules.map((r) => r.name).filter((n) => !positions.has(n));
      if (missing.length) throw badRequest(`Positions for rules not found: ${missing.join(', ')}`);
      for (const n of ruleNames) if (!rules.some((r) => r.name === n)) throw this.#noRule(n);
      return [...rules].sort((a, b) => positions.get(a.name)! - positions.get(b.name)!);
    });
  }

  // ----- rules -----

  async createRule(
    accountId: string,
    setName: string | undefined,
    input: ReceiptRuleInput,
    after: string | undefined,
  ): Promise<void> {
    const name = requireRuleSetName(setName);
    const v: string[] = [];
    nameViolations(after, 'after', v);
    const rule = await this.#rule(accountId, input, v);
    await this.#modify(accountId, name, (rules) => {
      if (rules.some((r) => r.name === rule.name)) throw alreadyRule(rule.name);
      if (rules.length >= MAX_RULES_PER_SET) throw new SesError('LimitExceededException', 'Too many rules');
      // Without After the rule goes first (as SES); After puts it right behind the one named.
      const at = after === undefined ? 0 : this.#indexOf(rules, after) + 1;
      return [...rules.slice(0, at), rule, ...rules.slice(at)];
    });
  }

  /** Replaces the rule in place (members left out take their defaults again). */
  async updateRule(accountId: string, setName: string | undefined, input: ReceiptRuleInput): Promise<void> {
    const name = requireRuleSetName(setName);
    const rule = await this.#rule(accountId, input, []);
    await this.#modify(accountId, name, (rules) => {
      const i = this.#indexOf(rules, rule.name);
      return rules.map((r, j) => (j === i ? rule : r));
    });
  }

  /** Idempotent for a rule that does not exist (the set must exist). */
  async deleteRule(accountId: string, setName: string | undefined, ruleName: string | undefined) {
    const name = requireRuleSetName(setName);
    const rule = requireRuleName(ruleName);
    await this.#modify(accountId, name, (rules) => rules.filter((r) => r.name !== rule));
  }

  async describeRule(
    accountId: string,
    setName: string | undefined,
    ruleName: string | undefined,
  ): Promise<ReceiptRuleRecord> {
    const set = await this.#set(accountId, requireRuleSetName(setName));
    return set.rules[this.#indexOf(set.rules, requireRuleName(ruleName))]!;
  }

  async setRulePosition(
    accountId: string,
    setName: string | undefined,
    ruleName: string | undefined,
    after: string | undefined,
  ): Promise<void> {
    const name = requireRuleSetName(setName);
    if (ruleName === undefined) throw badRequest('RuleName is required.');
    const v: string[] = [];
    nameViolations(ruleName, 'ruleName', v);
    nameViolations(after, 'after', v);
    if (v.length) throw validation(v);
    checkName(ruleName, 'ruleName');
    await this.#modify(accountId, name, (rules) => {
      const i = this.#indexOf(rules, ruleName);
      if (after === ruleName) return rules;
      if (after !== undefined) this.#indexOf(rules, after);
      const moved = rules[i]!;
      const rest = rules.filter((_, j) => j !== i);
      const at = after === undefined ? 0 : this.#indexOf(rest, after) + 1;
      return [...rest.slice(0, at), moved, ...rest.slice(at)];
    });
  }

  /** A rule from its input: the model's checks, SES's own, defaults, and that what its actions name exists. */
  async #rule(accountId: string, input: ReceiptRuleInput, v: string[]): Promise<ReceiptRuleRecord> {
    const name = input.name;
    if (name === undefined || name === '')
      v.push(lengthViolation('rule.name'), patternViolation('rule.name'));
    else if (!NAME_CHARS.test(name)) v.push(patternViolation('rule.name'));
    if (input.tlsPolicy !== undefined && input.tlsPolicy !== 'Optional' && input.tlsPolicy !== 'Require')
      v.push(enumViolation('rule.tlsPolicy', '[Optional, Require]'));
    const actions = input.actions ?? [];
    for (const [i, a] of actions.entries()) actionViolations(a, `rule.actions.${i + 1}.member.`, v);
    if (v.length) throw validation(v);
    checkName(name!, 'ruleName');
    if (actions.length > MAX_ACTIONS_PER_RULE)
      throw new SesError('LimitExceededException', 'Too many actions');
    if ((input.recipients?.length ?? 0) > MAX_RECIPIENTS_PER_RULE)
      throw new SesError('LimitExceededException', 'Too many recipients');
    if (actions.slice(0, -1).some((a) => a.type === 'Stop'))
      throw badRequest('Stop action, if any, must be placed at the end of the actions list');
    const records: ReceiptActionRecord[] = [];
    for (const a of actions) records.push(await this.#action(accountId, a));
    return {
      name: name!,
      enabled: input.enabled ?? false,
      tlsPolicy: (input.tlsPolicy as ReceiptRuleRecord['tlsPolicy'] | undefined) ?? 'Optional',
      recipients: input.recipients ?? [],
      actions: records,
      scanEnabled: input.scanEnabled ?? false,
    };
  }

  async #action(accountId: string, a: ReceiptActionInput): Promise<ReceiptActionRecord> {
    const m = a.members;
    const str = (k: string) => (typeof m[k] === 'string' ? m[k] : undefined);
    if (a.type === 'Workmail' || a.type === 'Connect')
      throw new SesError(
        'NotSupportedException',
        `The ${a.type === 'Workmail' ? 'WorkMail' : 'Connect'} action is not supported by Sesame: it hands mail to an AWS service.`,
      );
    const topicArn = str('TopicArn');
    if (topicArn !== undefined) {
      if (!SNS_TOPIC_ARN.test(topicArn))
        throw badRequest(`Invalid SNS topic: ${topicArn}`, 'invalid-sns-topic');
      if (!(await this.#topicExists(accountId, topicArn)))
        throw badRequest(`Could not publish to SNS topic: ${topicArn}`, 'invalid-sns-topic');
    }
    const topic = topicArn === undefined ? {} : { topicArn };
    switch (a.type) {
      case 'AddHeader': {
        const headerName = str('HeaderName')!;
        const headerValue = str('HeaderValue')!;
        if (!HEADER_NAME.test(headerName) || headerName.length > 50)
          throw badRequest(`Invalid header name: ${headerName}`);
        if (/[\r\n]/.test(headerValue) || headerValue.length >= 2048)
          throw badRequest(`Invalid header value: ${headerValue.slice(0, 100)}`);
        return { type: 'AddHeader', headerName, headerValue };
      }
      case 'S3': {
        const bucketName = str('BucketName')!;
        if (bucketName === '') throw badRequest('Bucket name must not be empty');
        const bucket = await this.#store.receiving.getBucket(bucketName);
        if (!bucket || bucket.accountId !== accountId)
          throw badRequest(`No such bucket: ${bucketName}`, 'invalid-s3-configuration');
        // Keeping the ARN and storing the mail unencrypted would be a silent lie about its protection.
        if (str('KmsKeyArn') !== undefined)
          throw new SesError(
            'NotSupportedException',
            'KmsKeyArn is not supported by Sesame: there is no KMS to encrypt stored mail with.',
          );
        return {
          type: 'S3',
          bucketName,
          ...(str('ObjectKeyPrefix') !== undefined ? { objectKeyPrefix: str('ObjectKeyPrefix')! } : {}),
          ...(str('KmsKeyArn') !== undefined ? { kmsKeyArn: str('KmsKeyArn')! } : {}),
          ...(str('IamRoleArn') !== undefined ? { iamRoleArn: str('IamRoleArn')! } : {}),
          ...topic,
        };
      }
      case 'Lambda': {
        const functionArn = str('FunctionArn')!;
        if (functionArn === '') throw badRequest('Lambda function ARN must not be empty');
        if (!LAMBDA_ARN.test(functionArn))
          throw badRequest(`Invalid Lambda function: ${functionArn}`, 'invalid-lambda-function');
        if (!(await this.#store.receiving.getFunction(accountId, functionArn)))
          throw badRequest(`Could not invoke Lambda function: ${functionArn}`, 'invalid-lambda-function');
        return {
          type: 'Lambda',
          functionArn,
          invocationType: (str('InvocationType') as 'Event' | 'RequestResponse' | undefined) ?? 'Event',
          ...topic,
        };
      }
      case 'SNS':
        return {
          type: 'SNS',
          topicArn: topicArn!,
          encoding: (str('Encoding') as 'UTF-8' | 'Base64' | undefined) ?? 'UTF-8',
        };
      case 'Bounce': {
        const smtpReplyCode = str('SmtpReplyCode')!;
        const message = str('Message')!;
        const sender = str('Sender')!;
        if (!/^[245]\d\d$/.test(smtpReplyCode)) throw badRequest(`Invalid SMTP reply code: ${smtpReplyCode}`);
        if (message === '') throw badRequest(`Invalid SMTP response message: ${message}`);
        const statusCode = str('StatusCode');
        if (statusCode !== undefined && !/^[245]\.\d{1,3}\.\d{1,3}$/.test(statusCode))
          throw badRequest(`Invalid SMTP status code: ${statusCode}`);
        if (!(await this.#isVerified(accountId, sender)))
          throw badRequest(`Identity is not verified: ${sender}`);
        return {
          type: 'Bounce',
          smtpReplyCode,
          ...(statusCode !== undefined ? { statusCode } : {}),
          message,
          sender,
          ...topic,
        };
      }
      case 'Stop':
        return { type: 'Stop', scope: 'RuleSet', ...topic };
    }
  }

  async #modify(
    accountId: string,
    name: string,
    change: (rules: ReceiptRuleRecord[]) => ReceiptRuleRecord[],
  ): Promise<void> {
    const next = await this.#store.receiving.modifyRuleSet(accountId, name, (set) => ({
      ...set,
      rules: change(set.rules),
    }));
    if (!next) throw this.#noSet(name);
    if (next.active) await this.#cache.changed();
  }

  async #set(accountId: string, name: string): Promise<ReceiptRuleSetRecord> {
    const set = await this.#store.receiving.getRuleSet(accountId, name);
    if (!set) throw this.#noSet(name);
    return set;
  }

  #indexOf(rules: ReceiptRuleRecord[], name: string): number {
    const i = rules.findIndex((r) => r.name === name);
    if (i < 0) throw this.#noRule(name);
    return i;
  }

  #noSet = (name: string) => notFound('ReceiptRuleSet', `Rule set does not exist: ${name}`);
  #noRule = (name: string) => notFound('ReceiptRule', `Rule does not exist: ${name}`);
  #setExists = (name: string) =>
    new SesError('AlreadyExistsException', `Rule set already exists: ${name}`, {
      resource: 'ReceiptRuleSet',
    });
}

const alreadyRule = (name: string) =>
  new SesError('AlreadyExistsException', `Rule already exists: ${name}`, { resource: 'ReceiptRule' });

/** The model's required members and enums of one action (SES reports them all at once). */
function actionViolations(a: ReceiptActionInput, prefix: string, v: string[]): void {
  const m = a.members;
  const need = (member: string, path: string) => {
    if (m[member] === undefined) v.push(notNull(prefix + path));
  };
  const oneOf = (member: string, path: string, values: string[]) => {
    const value = m[member];
    if (value !== undefined && !values.includes(value as string))
      v.push(enumViolation(prefix + path, `[${values.join(', ')}]`));
  };
  switch (a.type) {
    case 'AddHeader':
      need('HeaderName', 'addHeaderAction.headerName');
      need('HeaderValue', 'addHeaderAction.headerValue');
      break;
    case 'Bounce':
      need('SmtpReplyCode', 'bounceAction.smtpReplyCode');
      need('Sender', 'bounceAction.sender');
      need('Message', 'bounceAction.message');
      break;
    case 'Lambda':
      need('FunctionArn', 'lambdaAction.functionArn');
      oneOf('InvocationType', 'lambdaAction.invocationType', ['RequestResponse', 'Event']);
      break;
    case 'SNS':
      oneOf('Encoding', 'sNSAction.encoding', ['Base64', 'UTF-8']);
      need('TopicArn', 'sNSAction.topicArn');
      break;
    case 'S3':
      need('BucketName', 's3Action.bucketName');
      break;
    case 'Stop':
      need('Scope', 'stopAction.scope');
      oneOf('Scope', 'stopAction.scope', ['RuleSet']);
      break;
    case 'Workmail':
      need('OrganizationArn', 'workmailAction.organizationArn');
      break;
    case 'Connect':
      need('InstanceARN', 'connectAction.instanceARN');
      need('IAMRoleARN', 'connectAction.iAMRoleARN');
      break;
  }
}
