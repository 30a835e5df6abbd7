/**
 * A domain's DKIM state: new Easy DKIM keys (sealed with the master key) or a BYODKIM key, and the DKIM view
 * the APIs show (tokens, status, key lengths).
 */
import { newToken } from '../../lib/ids.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type {
  DkimKeyLength,
  DkimKeyRecord,
  DkimRecord,
  IdentityRecord,
  VerificationStatus,
} from '../../store/store.ts';
import { badRequest } from '../errors.ts';
import { generateDkimKey, parseByodkimKey, type KeyMaterial } from './dkim-keys.ts';

export interface DkimView {
  signingEnabled: boolean;
  status: VerificationStatus;
  /** Selectors whose TXT records the owner must publish (the new ones while a key rotation waits for DNS). */
  tokens: string[];
  origin: 'AWS_SES' | 'EXTERNAL' | null;
  currentKeyLength: DkimKeyLength | null;
  nextKeyLength: DkimKeyLength | null;
  lastKeyGeneratedAt: number | null;
}

export interface DkimSigningInput {
  origin: 'AWS_SES' | 'EXTERNAL';
  selector?: string | undefined;
  privateKey?: string | undefined;
  nextKeyLength?: DkimKeyLength | undefined;
}

/** The DKIM an identity signs with: a domain's own, an address's domain's (`parent`). */
export function dkimView(record: IdentityRecord, parent: IdentityRecord | undefined): DkimView {
  const source = record.type === 'DOMAIN' ? record : parent;
  const dkim = source?.dkim;
  if (!dkim)
    return {
      signingEnabled: false,
      status: 'NOT_STARTED',
      tokens: [],
      origin: null,
      currentKeyLength: null,
      nextKeyLength: null,
      lastKeyGeneratedAt: null,
    };
  return {
    signingEnabled: record.dkimSigningEnabled && (source === record || source.dkimSigningEnabled),
    status: dkim.status,
    tokens: (dkim.pendingKeys ?? dkim.keys).map((k) => k.selector),
    origin: dkim.origin,
    currentKeyLength: dkim.origin === 'AWS_SES' ? dkim.currentKeyLength : null,
    nextKeyLength: dkim.origin === 'AWS_SES' ? dkim.nextKeyLength : null,
    lastKeyGeneratedAt: dkim.origin === 'AWS_SES' ? dkim.lastKeyGeneratedAt : null,
  };
}

/** Easy DKIM keys may change length at any time the first time, then once per 24 hours. */
const KEY_CHANGE_INTERVAL_MS = 24 * 3600_000;

export class DkimRecords {
  readonly #box: SecretBox;

  constructor(box: SecretBox) {
    this.#box = box;
  }

  /**
   * PutEmailIdentityDkimSigningAttributes / VerifyDomainDkim on a domain: new Easy DKIM or BYODKIM keys, or an
   * Easy DKIM key-length change (new keys wait for their DNS records before they sign), or nothing to change.
   */
  async change(current: DkimRecord | null, input: DkimSigningInput, now: number): Promise<DkimRecord> {
    if (input.origin === 'EXTERNAL' || !current || current.origin !== 'AWS_SES')
      return this.create(input, now);
    if (input.nextKeyLength && (input.nextKeyLength !== current.currentKeyLength || current.pendingKeys)) {
      if (current.rotations > 0 && now - current.lastKeyGeneratedAt < KEY_CHANGE_INTERVAL_MS)
        throw badRequest('The DKIM signing key length can be changed only once every 24 hours.');
      return {
        ...current,
        pendingKeys: await this.easyKeys(input.nextKeyLength),
        nextKeyLength: input.nextKeyLength,
        rotations: current.rotations + 1,
        lastKeyGeneratedAt: now,
      };
    }
    if (input.nextKeyLength && input.nextKeyLength === current.currentKeyLength)
      throw badRequest(
        `The DKIM signing key is already ${input.nextKeyLength === 'RSA_1024_BIT' ? '1024' : '2048'} bits long.`,
      );
    return current;
  }

  /** A domain's first DKIM state: three new Easy DKIM keys, or the customer's BYODKIM key. */
  async create(input: DkimSigningInput, now: number): Promise<DkimRecord> {
    let keys: DkimKeyRecord[];
    if (input.origin === 'EXTERNAL') {
      const selector = input.selector?.trim().toLowerCase();
      if (
        !selector ||
        !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(selector)
      )
        throw badRequest('DomainSigningSelector is required for BYODKIM and must be a valid DNS label.');
      if (!input.privateKey) throw badRequest('DomainSigningPrivateKey is required for BYODKIM.');
      keys = [this.#seal(selector, parseByodkimKey(input.privateKey))];
    } else {
      keys = await this.easyKeys(input.nextKeyLength ?? 'RSA_2048_BIT');
    }
    const length = keys[0]!.length;
    return {
      origin: input.origin,
      status: 'PENDING',
      checkStartedAt: now,
      keys,
      activeSelector: keys[0]!.selector,
      currentKeyLength: length,
      nextKeyLength: length,
      lastKeyGeneratedAt: now,
      rotations: 0,
      pendingKeys: null,
    };
  }

  /** Three Easy DKIM keys, each with a random selector (the tokens). */
  async easyKeys(length: DkimKeyLength): Promise<DkimKeyRecord[]> {
    const materials = await Promise.all([0, 1, 2].map(() => generateDkimKey(length)));
    return materials.map((m) => this.#seal(newToken(32), m));
  }

  #seal(selector: string, m: KeyMaterial): DkimKeyRecord {
    return {
      selector,
      sealedPrivateKey: this.#box.seal(m.privatePem),
      publicKey: m.publicKey,
      length: m.length,
    };
  }
}
