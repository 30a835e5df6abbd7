/** Development mode: the mail the MTA captured instead of delivering, and the reset of an account's data. */

export interface CapturedMailRecord {
  /** Time-ordered id of this capture (one SMTP transaction that was not made). */
  id: string;
  accountId: string;
  /** The SES MessageId of the message this copy belongs to. */
  messageId: string;
  capturedAt: number;
  /** The envelope sender (MAIL FROM) the MTA would have used. */
  mailFrom: string;
  /** The envelope recipients (RCPT TO) of this transaction, including Bcc. */
  recipients: string[];
  /** The From header, decoded. */
  from: string;
  /** The Subject header, decoded. */
  subject: string;
  size: number;
}

/** Filters of a captured-mail listing; text filters match a case-insensitive substring. */
export interface CapturedMailFilter {
  accountId?: string | undefined;
  /** Captured at or after this time. */
  since?: number | undefined;
  /** An envelope recipient contains this. */
  to?: string | undefined;
  /** The From header or the envelope sender contains this. */
  from?: string | undefined;
  subject?: string | undefined;
  messageId?: string | undefined;
  /** Exclusive cursor: captures older than this id. */
  before?: string | undefined;
  limit: number;
}

export interface DevelopmentStore {
  /** Stores one captured copy and its bytes, committed before it resolves. */
  capture(mail: CapturedMailRecord, raw: Buffer): Promise<void>;
  /** Newest first. */
  listCaptured(filter: CapturedMailFilter): Promise<CapturedMailRecord[]>;
  /** How many captures match the filter (its cursor and limit aside). */
  countCaptured(filter: Omit<CapturedMailFilter, 'limit' | 'before'>): Promise<number>;
  getCaptured(id: string): Promise<CapturedMailRecord | null>;
  capturedRaw(id: string): Promise<Buffer | null>;
  /** Deletes one capture; false when there was none. */
  deleteCaptured(id: string): Promise<boolean>;
  /** Deletes every capture (of one account, when given); returns how many. */
  deleteAllCaptured(accountId?: string): Promise<number>;
  /**
   * Deletes, in one transaction, everything an account owns — identities, configuration sets, templates,
   * contact lists, suppression list, messages and their events, counters, topics and notifications, receiving
   * resources, alarms, tags, captures — except the account row and its access keys.
   */
  resetAccountData(accountId: string): Promise<void>;
}
