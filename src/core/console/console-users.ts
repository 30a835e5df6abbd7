/**
 * The web console's users and sign-in: users belong to an account (admins and members) or are operators;
 * an operator's CLI (or an account admin) creates one with a one-time setup link; passwords are hashed with
 * scrypt (memory-hard, node:crypto); sessions are signed, self-contained tokens that end when the password
 * changes; every form carries a token derived from the session (CSRF); failed sign-ins are throttled.
 */
import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { SignedTokens } from '../../lib/signed-token.ts';
import type { Logger } from '../../lib/logger.ts';
import {
  StoreConflictError,
  type ConsoleRole,
  type ConsoleUserRecord,
  type Store,
} from '../../store/store.ts';
import { SesError, badRequest } from '../errors.ts';
import { parseEmailAddress } from '../identities/names.ts';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** scrypt's cost: 2^15 × 8 × 128 bytes = 32 MiB of memory per hash (OWASP's recommended minimum is 19 MiB). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const SETUP_LIFETIME_MS = 72 * 3600_000;
export const SESSION_LIFETIME_MS = 12 * 3600_000;
export const MIN_PASSWORD_LENGTH = 12;
/** Failed sign-ins allowed per address and per client in the window, before it answers "try later". */
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60_000;

interface SessionToken {
  u: string;
  /** passwordChangedAt when issued. */
  v: number;
  exp: number;
}

const isSession = (v: unknown): v is SessionToken =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as SessionToken).u === 'string' &&
  typeof (v as SessionToken).v === 'number' &&
  typeof (v as SessionToken).exp === 'number';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A hash no password matches, checked for unknown addresses (same cost as a real check). */
const DUMMY_HASH = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(actual, expected);
}

export interface SignedInUser {
  user: ConsoleUserRecord;
  /** The CSRF token every form of this session carries. */
  csrf: string;
}

export class ConsoleUsers {
  readonly #store: Store;
  readonly #sessions: SignedTokens<SessionToken>;
  readonly #csrfKey: Buffer;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #failures = new Map<string, number[]>();

  constructor(deps: { store: Store; key: Buffer; now: () => number; logger: Logger }) {
    this.#store = deps.store;
    this.#sessions = new SignedTokens(deps.key, isSession);
    this.#csrfKey = deps.key;
    this.#now = deps.now;
    this.#log = deps.logger;
  }

  /** Creates a user and returns the one-time setup token (its link sets the password). */
  async create(input: {
    accountId: string | null;
    email: string;
    role: ConsoleRole;
  }): Promise<{ user: ConsoleUserRecord; setupToken: string }> {
    const parsed = parseEmailAddress(input.email.trim());
    if (!parsed) throw badRequest(`"${input.email}" is not an email address.`);
    if ((input.accountId === null) !== (input.role === 'operator'))
      throw badRequest('Operators belong to no account; admins and members belong to one.');
    if (input.accountId !== null && !(await this.#store.accounts.get(input.accountId)))
      throw new SesError('NotFoundException', `Account ${input.accountId} does not exist.`, {
        resource: 'Account',
      });
    const setupToken = randomBytes(24).toString('base64url');
    const now = this.#now();
    const user: ConsoleUserRecord = {
      id: randomUUID(),
      accountId: input.accountId,
      email: `${parsed.local}@${parsed.domain}`.toLowerCase(),
      role: input.role,
      passwordHash: null,
      passwordChangedAt: null,
      setupTokenHash: sha256(setupToken),
      setupExpiresAt: now + SETUP_LIFETIME_MS,
      createdAt: now,
    };
    try {
      await this.#store.consoleUsers.create(user);
    } catch (err) {
      if (err instanceof StoreConflictError)
        throw new SesError('AlreadyExistsException', `A console user ${user.email} already exists.`);
      throw err;
    }
    this.#log.info({ userId: user.id, accountId: user.accountId, role: user.role }, 'console user created');
    return { user, setupToken };
  }

  /**
   * Development mode's console user of the default account, with its well-known password: made once; left
   * alone afterwards (a password the developer changed stays).
   */
  async ensureDevelopmentUser(accountId: string, email: string, password: string): Promise<void> {
    if (await this.#store.consoleUsers.byEmail(email)) return;
    const now = this.#now();
    try {
      await this.#store.consoleUsers.create({
        id: randomUUID(),
        accountId,
        email,
        role: 'admin',
        passwordHash: await hashPassword(password),
        passwordChangedAt: now,
        setupTokenHash: null,
        setupExpiresAt: null,
        createdAt: now,
      });
    } catch (err) {
      // Another node of the same database made it first.
      if (!(err instanceof StoreConflictError)) throw err;
    }
  }

  /** The user a setup token is for, if it is valid and unexpired. */
  async setupUser(token: string): Promise<ConsoleUserRecord | undefined> {
    const user = await this.#store.consoleUsers.bySetupToken(sha256(token));
    if (!user || (user.setupExpiresAt ?? 0) < this.#now()) return undefined;
    return user;
  }

  /** Sets the password of a setup link's user; the link is spent. */
  async completeSetup(token: string, password: string): Promise<ConsoleUserRecord> {
    const user = await this.setupUser(token);
    if (!user) throw badRequest('This setup link is not valid or has expired; ask for a new one.');
    if (password.length < MIN_PASSWORD_LENGTH)
      throw badRequest(`Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
    const hash = await hashPassword(password);
    const now = this.#now();
    const updated = await this.#store.consoleUsers.modify(user.id, (u) =>
      u.setupTokenHash === user.setupTokenHash
        ? { ...u, passwordHash: hash, passwordChangedAt: now, setupTokenHash: null, setupExpiresAt: null }
        : u,
    );
    if (!updated || updated.passwordHash !== hash)
      throw badRequest('This setup link is not valid or has expired; ask for a new one.');
    this.#log.info({ userId: user.id }, 'console user set a password');
    return updated;
  }

  /**
   * Checks a sign-in. Returns the session token, or throws: wrong credentials (one message whether the address
   * exists or not) or too many failures for the address or the client (TooManyRequestsException).
   */
  async signIn(email: string, password: string, client: string): Promise<string> {
    const keys = [`e:${email.trim().toLowerCase()}`, `c:${client}`];
    if (keys.some((k) => this.#recentFailures(k) >= MAX_FAILURES))
      throw new SesError(
        'TooManyRequestsException',
        'Too many failed sign-ins; wait 15 minutes and try again.',
      );
    const user = await this.#store.consoleUsers.byEmail(email.trim().toLowerCase());
    // An unknown address costs the same scrypt as a known one: the answer's time tells nothing.
    const ok = user?.passwordHash
      ? await passwordMatches(password, user.passwordHash)
      : (await passwordMatches(password, DUMMY_HASH), false);
    if (!ok || !user) {
      for (const k of keys) this.#failures.set(k, [...this.#recentFailuresList(k), this.#now()]);
      this.#log.info({ client }, 'console sign-in refused');
      throw badRequest('The email address or password is not right.');
    }
    for (const k of keys) this.#failures.delete(k);
    return this.#sessions.sign({
      u: user.id,
      v: user.passwordChangedAt ?? 0,
      exp: this.#now() + SESSION_LIFETIME_MS,
    });
  }

  /** The signed-in user of a session token (with the session's CSRF token), if it is valid. */
  async session(token: string | undefined): Promise<SignedInUser | undefined> {
    const s = token ? this.#sessions.verify(token) : undefined;
    if (!s || s.exp < this.#now()) return undefined;
    const user = await this.#store.consoleUsers.get(s.u);
    if (!user || (user.passwordChangedAt ?? 0) !== s.v) return undefined;
    return { user, csrf: this.#csrf(token!) };
  }

  /** Whether a form's CSRF token is the one of this session. */
  csrfMatches(sessionToken: string, given: string | undefined): boolean {
    if (!given) return false;
    const expected = Buffer.from(this.#csrf(sessionToken));
    const actual = Buffer.from(given);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  list(accountId: string | null): Promise<ConsoleUserRecord[]> {
    return this.#store.consoleUsers.list(accountId);
  }

  #csrf(sessionToken: string): string {
    return createHash('sha256').update(this.#csrfKey).update('csrf').update(sessionToken).digest('base64url');
  }

  #recentFailuresList(key: string): number[] {
    const since = this.#now() - FAILURE_WINDOW_MS;
    const list = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (this.#failures.size > 10_000) this.#failures.clear();
    return list;
  }

  #recentFailures(key: string): number {
    return this.#recentFailuresList(key).length;
  }
}
