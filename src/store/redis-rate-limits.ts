/**
 * The shared send-rate buckets in Redis (SESAME_RATE_LIMIT_REDIS_URL), for deployments that keep rate limits
 * off the database: one hash per account, refilled and taken by one Lua script, so every node sees one bucket.
 * The daily quota stays in the database (it must survive a restart and be exact).
 */
import { createClient } from 'redis';
import type { RateLimitStore } from './interface/quota.ts';

/** KEYS[1]: the account's bucket; ARGV: units, want, rate, capacity, now (ms). Returns the tokens taken. */
const TAKE = `
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local units, want = tonumber(ARGV[1]), tonumber(ARGV[2])
local rate, capacity, now = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local tokens, at = tonumber(b[1]), tonumber(b[2])
if tokens == nil then tokens = capacity; at = now end
tokens = math.min(capacity, tokens + math.max(0, now - at) / 1000 * rate)
local taken = 0
if tokens >= 1 then taken = math.max(units, math.min(want, math.floor(tokens))) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - taken), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 3600000)
return taken
`;

export class RedisRateLimits implements RateLimitStore {
  readonly #client: ReturnType<typeof createClient>;
  readonly #prefix: string;

  private constructor(client: ReturnType<typeof createClient>, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  /** Connects (and fails start-up when Redis cannot be reached). `prefix` keeps databases apart. */
  static async connect(url: string, prefix: string): Promise<RedisRateLimits> {
    const client = createClient({ url });
    // A dropped connection is retried by the client; a failing call fails the send it was for (retryable).
    client.on('error', () => undefined);
    await client.connect();
    return new RedisRateLimits(client, prefix);
  }

  async takeRate(
    accountId: string,
    units: number,
    want: number,
    rate: number,
    capacity: number,
    now: number,
  ): Promise<number> {
    const taken = await this.#client.eval(TAKE, {
      keys: [`${this.#prefix}:rate:${accountId}`],
      arguments: [units, want, rate, capacity, now].map(String),
    });
    return Number(taken);
  }

  async close(): Promise<void> {
    await this.#client.quit().catch(() => undefined);
  }
}
