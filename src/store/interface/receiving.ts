/**
 * Receiving: receipt IP filters, receipt rule sets (with their ordered rules), the buckets and Lambda-style
 * functions actions name, and received mail with the durable jobs of its actions.
 */
import type { Page } from './common.ts';
import type { NotificationRecord } from './sns.ts';

/** What the worker needs of claimed messages besides their rows. */
export interface InboundWorkItems {
  bodies: Map<string, Buffer>;
  actions: Map<string, InboundActionRecord[]>;
}

export interface ReceiptFilterRecord {
  accountId: string;
  name: string;
  policy: 'Block' | 'Allow';
  cidr: string;
  createdAt: number;
}

/** One action of a rule, as SES names it (the v1 `ReceiptAction` member). */
export type ReceiptActionRecord =
  | {
      type: 'S3';
      bucketName: string;
      objectKeyPrefix?: string;
      kmsKeyArn?: string;
      iamRoleArn?: string;
      topicArn?: string;
    }
  | {
      type: 'Bounce';
      smtpReplyCode: string;
      statusCode?: string;
      message: string;
      sender: string;
      topicArn?: string;
    }
  | {
      type: 'Lambda';
      functionArn: string;
      invocationType: 'Event' | 'RequestResponse';
      topicArn?: string;
    }
  | { type: 'SNS'; topicArn: string; encoding: 'UTF-8' | 'Base64' }
  | { type: 'Stop'; scope: 'RuleSet'; topicArn?: string }
  | { type: 'AddHeader'; headerName: string; headerValue: string };

export interface ReceiptRuleRecord {
  name: string;
  enabled: boolean;
  tlsPolicy: 'Require' | 'Optional';
  /** Addresses and domains (`.domain` for its subdomains); empty: every verified domain of the account. */
  recipients: string[];
  actions: ReceiptActionRecord[];
  scanEnabled: boolean;
}

export interface ReceiptRuleSetRecord {
  accountId: string;
  name: string;
  createdAt: number;
  /** At most one set of an account is active. */
  active: boolean;
  /** In evaluation order. */
  rules: ReceiptRuleRecord[];
}

/** A bucket S3 actions can store into: Sesame's embedded store, or an S3-compatible endpoint. */
export interface BucketRecord {
  name: string;
  accountId: string;
  createdAt: number;
  /** null: the embedded store under the data directory. */
  endpoint: string | null;
  /** For an external endpoint: region and credentials, sealed with the master key. */
  sealedConfig: string | null;
}

/** A Lambda function ARN that actions may name, mapped to the HTTP endpoint Sesame POSTs its event to. */
export interface FunctionRecord {
  accountId: string;
  arn: string;
  url: string;
  /** The secret the event's signature is made with, sealed. */
  sealedSecret: string;
  createdAt: number;
}

export type InboundStatus = 'processing' | 'done';

/** What authentication and scanning found (`receipt.*Verdict`), and the headers they add to the stored mail. */
export interface InboundReceipt {
  spamVerdict: string;
  virusVerdict: string;
  spfVerdict: string;
  dkimVerdict: string;
  dmarcVerdict: string;
  dmarcPolicy: string | null;
  /** Received-SPF, Authentication-Results, X-SES-Spam-Verdict, X-SES-Virus-Verdict (as header lines). */
  headers: string;
  processingTimeMillis: number;
}

/** What happened to one action of a received message. */
export type InboundActionStatus = 'pending' | 'done' | 'failed' | 'expired' | 'skipped';

export interface InboundActionRecord {
  messageId: string;
  accountId: string;
  /** Position in the whole run: the rules in order, each rule's actions in order. */
  seq: number;
  ruleName: string;
  /** The envelope recipients the action's rule matched (`receipt.recipients`). */
  recipients: string[];
  action: ReceiptActionRecord;
  status: InboundActionStatus;
  attempts: number;
  lastError: string | null;
  /** What the action produced (an object key, a disposition, a notification id…). */
  result: Record<string, unknown> | null;
  updatedAt: number;
}

/** A received message as one account's rules took it: its envelope, the rules matched, its progress. */
export interface InboundMessageRecord {
  id: string;
  accountId: string;
  receivedAt: number;
  /** Kept (for SendBounce and the inbound log) until then. */
  expiresAt: number;
  status: InboundStatus;
  clientIp: string;
  helo: string;
  mailFrom: string;
  tls: boolean;
  size: number;
  /** The envelope recipients this account's rules matched. */
  recipients: string[];
  /** The SES `mail` object of the message. */
  mail: Record<string, unknown>;
  /** The verdicts and the headers Sesame adds, once computed (null before the first run). */
  receipt: InboundReceipt | null;
  /** Headers added by AddHeader actions so far, and whether a Stop or a disposition ended the run. */
  state: {
    addedHeaders: { name: string; value: string }[];
    stoppedRule: string | null;
    stoppedSet: boolean;
    /** Whether a matched rule asks for spam and virus scanning (ScanEnabled). */
    scan?: boolean;
  };
  /** The next action to run (its seq); equals the number of actions once all have run. */
  cursor: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  updatedAt: number;
}

/** A message or an attempt refused during the SMTP conversation (the inbound log keeps those too). */
export interface InboundRefusalRecord {
  id: string;
  /** The account whose configuration refused it, when one did (an IP filter); null for "no rule matched". */
  accountId: string | null;
  at: number;
  clientIp: string;
  mailFrom: string;
  recipient: string | null;
  /** Where it was refused: `connect`, `rcpt` or `data`. */
  stage: 'connect' | 'rcpt' | 'data';
  reason: string;
  reply: string;
}

export interface AcceptedInbound {
  /** One record per account whose rules matched; all share the message id and body. */
  messages: InboundMessageRecord[];
  body: Buffer;
  actions: InboundActionRecord[];
}

export interface ReceivingStore {
  createFilter(filter: ReceiptFilterRecord): Promise<void>;
  deleteFilter(accountId: string, name: string): Promise<void>;
  /** By name. */
  listFilters(accountId: string): Promise<ReceiptFilterRecord[]>;
  countFilters(accountId: string): Promise<number>;
  /** Every filter of every account that receives for one of these (the MX checks them at connect). */
  filtersOf(accountIds: string[]): Promise<ReceiptFilterRecord[]>;

  /** Throws {@link StoreConflictError} when the account has a rule set of that name. */
  createRuleSet(set: ReceiptRuleSetRecord): Promise<void>;
  getRuleSet(accountId: string, name: string): Promise<ReceiptRuleSetRecord | null>;
  /** By creation time, then name; `after` is the cursor of the previous page. */
  listRuleSets(
    accountId: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<Page<ReceiptRuleSetRecord>>;
  countRuleSets(accountId: string): Promise<number>;
  /** Atomic read–change–write; null when there is no such set. */
  modifyRuleSet(
    accountId: string,
    name: string,
    change: (set: ReceiptRuleSetRecord) => ReceiptRuleSetRecord,
  ): Promise<ReceiptRuleSetRecord | null>;
  /** Deletes a set unless it is active; `active` when it is (nothing deleted), `gone` when there was none. */
  deleteRuleSet(accountId: string, name: string): Promise<'deleted' | 'active' | 'gone'>;
  /** Makes one set active (null: none); false when the named set does not exist. */
  setActiveRuleSet(accountId: string, name: string | null): Promise<boolean>;
  activeRuleSet(accountId: string): Promise<ReceiptRuleSetRecord | null>;

  createBucket(bucket: BucketRecord): Promise<void>;
  getBucket(name: string): Promise<BucketRecord | null>;
  listBuckets(accountId: string | null): Promise<BucketRecord[]>;
  deleteBucket(name: string): Promise<boolean>;

  putFunction(fn: FunctionRecord): Promise<void>;
  getFunction(accountId: string, arn: string): Promise<FunctionRecord | null>;
  listFunctions(accountId: string | null): Promise<FunctionRecord[]>;
  deleteFunction(accountId: string, arn: string): Promise<boolean>;

  /** Stores a received message, its body and its action jobs in one transaction. */
  accept(accepted: AcceptedInbound): Promise<void>;
  getMessage(id: string, accountId: string): Promise<InboundMessageRecord | null>;
  /** Every account's record of one received message. */
  messagesWithId(id: string): Promise<InboundMessageRecord[]>;
  body(id: string): Promise<Buffer | null>;
  actions(id: string, accountId: string): Promise<InboundActionRecord[]>;
  /** Newest first. */
  listMessages(
    accountId: string | null,
    options: { before?: number | undefined; limit: number },
  ): Promise<InboundMessageRecord[]>;
  /** Leases due messages still processing to `owner` (a node id; several nodes share the work). */
  claimDue(now: number, leaseUntil: number, limit: number, owner: string): Promise<InboundMessageRecord[]>;
  /** Drops the leases a node holds (it restarted: nothing of it is running any more). */
  releaseLeases(owner: string): Promise<void>;
  /**
   * Records the run so far — the message's progress, the actions it touched and the notifications they queued
   * — in one transaction (group-committed with other messages' progress).
   */
  recordProgress(
    message: InboundMessageRecord,
    actions: InboundActionRecord[],
    notifications?: NotificationRecord[],
  ): Promise<void>;
  /** The bodies (by message id) and jobs (by `accountId\nid`, in order) of claimed messages. */
  workOf(messages: InboundMessageRecord[]): Promise<InboundWorkItems>;
  /** The earliest time a processing message is due, or null. */
  nextDue(): Promise<number | null>;

  refuse(refusal: InboundRefusalRecord): Promise<void>;
  listRefusals(
    accountId: string | null,
    options: { before?: number | undefined; limit: number },
  ): Promise<InboundRefusalRecord[]>;

  /** Deletes received messages (and their bodies and jobs) and refusals past their time; how many messages. */
  purge(now: number, refusalsBefore: number): Promise<number>;
}
