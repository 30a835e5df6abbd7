/**
 * Configuration sets: named groups of sending options (sending switch, tracking, delivery, reputation,
 * suppression) and event destinations, chosen per message. Seen through both SES APIs.
 */
import type { EpochCache } from '../cache.ts';
import {
  StoreConflictError,
  type ConfigurationSetOptions,
  type ConfigurationSetRecord,
  type CloudWatchDimensionRecord,
  type EventDestinationRecord,
  type EventTypeName,
  type Store,
  type SuppressionReason,
  type Tag,
} from '../../store/store.ts';
import { SesError, alreadyExists, badRequest, notFound } from '../errors.ts';
import type { TagService } from '../tags/tag-service.ts';

export const MAX_CONFIGURATION_SETS = 10_000;
export const MAX_EVENT_DESTINATIONS = 10;
export const EVENT_TYPES: readonly EventTypeName[] = [
  'SEND',
  'REJECT',
  'BOUNCE',
  'COMPLAINT',
  'DELIVERY',
  'OPEN',
  'CLICK',
  'RENDERING_FAILURE',
  'DELIVERY_DELAY',
  'SUBSCRIPTION',
];

export interface ConfigurationSetInput {
  name: string;
  sendingEnabled?: boolean | undefined;
  tracking?: ConfigurationSetOptions['tracking'] | undefined;
  delivery?: Partial<ConfigurationSetOptions['delivery']> | undefined;
  reputation?: Partial<ConfigurationSetOptions['reputation']> | undefined;
  suppression?: ConfigurationSetOptions['suppression'] | undefined;
  vdm?: ConfigurationSetOptions['vdm'] | undefined;
  tags?: Tag[] | undefined;
}

export interface EventDestinationInput {
  name: string;
  enabled?: boolean | undefined;
  matchingEventTypes: EventTypeName[];
  snsTopicArn?: string | undefined;
  cloudWatch?: { dimensions: CloudWatchDimensionRecord[] } | undefined;
  /** The name of any other destination kind given (EventBridge, Firehose, …): not supported. */
  otherKind?: string | undefined;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether an SNS topic exists for an account (the SNS service answers). */
export type TopicExists = (accountId: string, arn: string) => Promise<boolean>;

export class ConfigurationSetService {
  readonly #store: Store;
  readonly #cache: EpochCache;
  readonly #tags: TagService;
  readonly #region: string;
  readonly #now: () => number;
  #topicExists: TopicExists = async () => false;
  #topicValidated: (topicArn: string) => Promise<void> = async () => undefined;
  #poolExists: (accountId: string, name: string) => Promise<boolean> = async () => false;

  constructor(deps: {
    store: Store;
    cache: EpochCache;
    tags: TagService;
    region: string;
    now: () => number;
  }) {
    this.#store = deps.store;
    this.#cache = deps.cache;
    this.#tags = deps.tags;
    this.#region = deps.region;
    this.#now = deps.now;
  }

  useTopicCheck(check: TopicExists): void {
    this.#topicExists = check;
  }

  /** How to tell whether a SendingPoolName names a dedicated IP pool of the account. */
  usePoolCheck(check: (accountId: string, name: string) => Promise<boolean>): void {
    this.#poolExists = check;
  }

  async #checkPool(accountId: string, name: string | null | undefined): Promise<void> {
    if (name && !(await this.#poolExists(accountId, name)))
      throw new SesError('NotFoundException', `Dedicated IP pool <${name}> does not exist.`, {
        reason: 'invalid-delivery-options',
      });
  }

  /** What to do once an event destination names a topic: SES sends its validation message to the topic. */
  useTopicValidation(validated: (topicArn: string) => Promise<void>): void {
    this.#topicValidated = validated;
  }

  arn(accountId: string, name: string): string {
    return `arn:aws:ses:${this.#region}:${accountId}:configuration-set/${name}`;
  }

  async create(accountId: string, input: ConfigurationSetInput): Promise<ConfigurationSetRecord> {
    if (!NAME.test(input.name))
      throw badRequest(
        `Invalid configuration set name <${input.name}>: use 1 to 64 letters, digits, underscores and dashes.`,
        'invalid-configuration-set',
      );
    if ((await this.#store.configurationSets.count(accountId)) >= MAX_CONFIGURATION_SETS)
      throw new SesError(
        'LimitExceededException',
        `An account can have at most ${MAX_CONFIGURATION_SETS} configuration sets.`,
      );
    await this.#checkPool(accountId, input.delivery?.sendingPoolName);
    const record: ConfigurationSetRecord = {
      accountId,
      name: input.name,
      createdAt: this.#now(),
      sendingEnabled: input.sendingEnabled ?? true,
      options: {
        tracking: input.tracking ? checkTracking(input.tracking) : null,
        delivery: checkDelivery({
          tlsPolicy: 'OPTIONAL',
          sendingPoolName: null,
          maxDeliverySeconds: null,
          ...input.delivery,
        }),
        reputation: { metricsEnabled: false, lastFreshStart: null, ...input.reputation },
        suppression: input.suppression ?? null,
        vdm: input.vdm ?? null,
      },
      eventDestinations: [],
    };
    try {
      await this.#store.configurationSets.create(record);
    } catch (err) {
      if (err instanceof StoreConflictError)
        throw alreadyExists('ConfigurationSet', `Configuration set <${input.name}> already exists.`);
      throw err;
    }
    if (input.tags?.length) await this.#tags.put(accountId, this.arn(accountId, input.name), input.tags);
    await this.#cache.changed();
    return record;
  }

  async get(accountId: string, name: string): Promise<ConfigurationSetRecord> {
    const set = await this.#store.configurationSets.get(accountId, name);
    if (!set) throw missing(name);
    return set;
  }

  /** The set a send names, cached (undefined if it does not exist). */
  forSending(accountId: string, name: string): Promise<ConfigurationSetRecord | undefined> {
    return this.#cache.get(
      `cs:${accountId}:${name}`,
      async () => (await this.#store.configurationSets.get(accountId, name)) ?? undefined,
    );
  }

  list(accountId: string, options: { pageSize: number; after?: string | undefined }) {
    return this.#store.configurationSets.list(accountId, { limit: options.pageSize, after: options.after });
  }

  async delete(accountId: string, name: string): Promise<void> {
    if (!(await this.#store.configurationSets.delete(accountId, name))) throw missing(name);
    await this.#tags.removeAll(accountId, this.arn(accountId, name));
    await this.#cache.changed();
  }

  setSendingEnabled(accountId: string, name: string, enabled: boolean) {
    return this.#modify(accountId, name, (c) => ({ ...c, sendingEnabled: enabled }));
  }

  setTracking(accountId: string, name: string, tracking: ConfigurationSetOptions['tracking']) {
    return this.#modify(accountId, name, (c) => ({
      ...c,
      options: { ...c.options, tracking: tracking ? checkTracking(tracking) : null },
    }));
  }

  async setDelivery(accountId: string, name: string, delivery: Partial<ConfigurationSetOptions['delivery']>) {
    await this.#checkPool(accountId, delivery.sendingPoolName);
    return this.#modify(accountId, name, (c) => ({
      ...c,
      options: {
        ...c.options,
        delivery: checkDelivery({
          tlsPolicy: 'OPTIONAL',
          sendingPoolName: null,
          maxDeliverySeconds: null,
          ...delivery,
        }),
      },
    }));
  }

  setReputation(accountId: string, name: string, reputation: Partial<ConfigurationSetOptions['reputation']>) {
    return this.#modify(accountId, name, (c) => ({
      ...c,
      options: { ...c.options, reputation: { ...c.options.reputation, ...reputation } },
    }));
  }

  /** PutConfigurationSetVdmOptions (null clears them). */
  setVdm(accountId: string, name: string, vdm: ConfigurationSetOptions['vdm']) {
    return this.#modify(accountId, name, (c) => ({ ...c, options: { ...c.options, vdm } }));
  }

  setSuppression(accountId: string, name: string, reasons: SuppressionReason[] | null) {
    return this.#modify(accountId, name, (c) => ({
      ...c,
      options: {
        ...c.options,
        suppression: reasons === null ? null : { suppressedReasons: [...new Set(reasons)] },
      },
    }));
  }

  // ---- event destinations ----------------------------------------------------------------------------

  async createEventDestination(
    accountId: string,
    setName: string,
    input: EventDestinationInput,
  ): Promise<void> {
    const destination = await this.#checkDestination(accountId, input);
    await this.#modify(accountId, setName, (c) => {
      if (c.eventDestinations.some((d) => d.name === input.name))
        throw new SesError(
          'AlreadyExistsException',
          `Event destination ${input.name} already exists in configuration set <${setName}>.`,
          {
            resource: 'EventDestination',
          },
        );
      if (c.eventDestinations.length >= MAX_EVENT_DESTINATIONS)
        throw new SesError(
          'LimitExceededException',
          `A configuration set can have at most ${MAX_EVENT_DESTINATIONS} event destinations.`,
        );
      return { ...c, eventDestinations: [...c.eventDestinations, destination] };
    });
    if (destination.snsTopicArn) await this.#topicValidated(destination.snsTopicArn);
  }

  async updateEventDestination(
    accountId: string,
    setName: string,
    input: EventDestinationInput,
  ): Promise<void> {
    const destination = await this.#checkDestination(accountId, input);
    let previousTopic: string | undefined;
    await this.#modify(accountId, setName, (c) => {
      const previous = c.eventDestinations.find((d) => d.name === input.name);
      if (!previous) throw missingDestination(input.name, setName);
      previousTopic = previous.snsTopicArn;
      return {
        ...c,
        eventDestinations: c.eventDestinations.map((d) => (d.name === input.name ? destination : d)),
      };
    });
    if (destination.snsTopicArn && previousTopic !== destination.snsTopicArn)
      await this.#topicValidated(destination.snsTopicArn);
  }

  async deleteEventDestination(accountId: string, setName: string, name: string): Promise<void> {
    await this.#modify(accountId, setName, (c) => {
      if (!c.eventDestinations.some((d) => d.name === name)) throw missingDestination(name, setName);
      return { ...c, eventDestinations: c.eventDestinations.filter((d) => d.name !== name) };
    });
  }

  async #checkDestination(accountId: string, input: EventDestinationInput): Promise<EventDestinationRecord> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(input.name))
      throw badRequest(`Invalid event destination name <${input.name}>.`);
    if (input.otherKind)
      throw new SesError(
        'BadRequestException',
        `${input.otherKind} event destinations are not supported by Sesame; use an SnsDestination with a topic of Sesame's SNS-compatible API, or a CloudWatchDestination.`,
      );
    if (input.snsTopicArn && input.cloudWatch)
      throw badRequest(
        'An event destination has one destination: an SnsDestination or a CloudWatchDestination.',
      );
    if (!input.snsTopicArn && !input.cloudWatch)
      throw badRequest(
        'An event destination needs a destination: Sesame supports SnsDestination and CloudWatchDestination.',
      );
    if (input.snsTopicArn && !(await this.#topicExists(accountId, input.snsTopicArn)))
      throw badRequest(`SNS topic <${input.snsTopicArn}> not found.`, 'invalid-sns-destination');
    if (input.cloudWatch) checkDimensions(input.cloudWatch.dimensions);
    if (input.matchingEventTypes.length === 0)
      throw badRequest('MatchingEventTypes must name at least one event type.');
    for (const t of input.matchingEventTypes)
      if (!EVENT_TYPES.includes(t)) throw badRequest(`Unknown event type ${t}.`);
    return {
      name: input.name,
      enabled: input.enabled ?? false,
      matchingEventTypes: [...new Set(input.matchingEventTypes)],
      ...(input.snsTopicArn ? { snsTopicArn: input.snsTopicArn } : {}),
      ...(input.cloudWatch ? { cloudWatch: { dimensions: input.cloudWatch.dimensions } } : {}),
    };
  }

  async #modify(
    accountId: string,
    name: string,
    change: (c: ConfigurationSetRecord) => ConfigurationSetRecord,
  ): Promise<ConfigurationSetRecord> {
    const updated = await this.#store.configurationSets.modify(accountId, name, change);
    if (!updated) throw missing(name);
    await this.#cache.changed();
    return updated;
  }
}

/** SES's rules for CloudWatch dimensions: names and default values of ASCII letters, digits, _ - . @ :. */
function checkDimensions(dimensions: CloudWatchDimensionRecord[]): void {
  if (dimensions.length === 0)
    throw badRequest('A CloudWatchDestination needs at least one DimensionConfiguration.');
  const names = new Set<string>();
  for (const d of dimensions) {
    if (!/^[A-Za-z0-9_:-]{1,256}$/.test(d.name))
      throw badRequest(
        `Invalid dimension name <${d.name}>: up to 256 ASCII letters, digits, underscores, dashes and colons.`,
      );
    if (names.has(d.name)) throw badRequest(`Duplicate dimension name <${d.name}>.`);
    names.add(d.name);
    if (!/^[A-Za-z0-9_.@:-]{1,256}$/.test(d.defaultValue))
      throw badRequest(
        `Invalid default dimension value <${d.defaultValue}>: up to 256 ASCII letters, digits, underscores, dashes, periods, @ and colons.`,
      );
  }
}

function missing(name: string): SesError {
  return notFound('ConfigurationSet', `Configuration set <${name}> does not exist.`);
}

/** SES's words, which name the configuration set rather than the destination. */
function missingDestination(_name: string, setName: string): SesError {
  return new SesError('NotFoundException', `No EventDestination found for ${setName}`, {
    resource: 'EventDestination',
  });
}

function checkTracking(
  t: NonNullable<ConfigurationSetOptions['tracking']>,
): NonNullable<ConfigurationSetOptions['tracking']> {
  const domain = t.customRedirectDomain.trim().toLowerCase();
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(domain))
    throw badRequest(`Invalid CustomRedirectDomain ${t.customRedirectDomain}.`, 'invalid-tracking-options');
  return { customRedirectDomain: domain, httpsPolicy: t.httpsPolicy };
}

function checkDelivery(d: ConfigurationSetOptions['delivery']): ConfigurationSetOptions['delivery'] {
  if (d.maxDeliverySeconds !== null && (d.maxDeliverySeconds < 300 || d.maxDeliverySeconds > 50_400))
    throw badRequest(
      'MaxDeliverySeconds must be between 300 and 50400 seconds (5 minutes to 14 hours).',
      'invalid-delivery-options',
    );
  return d;
}
