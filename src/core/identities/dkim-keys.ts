/** DKIM key material: generating Easy DKIM keys and reading BYODKIM keys. */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { DkimKeyLength } from '../../store/store.ts';
import { badRequest } from '../errors.ts';

const generate = promisify(generateKeyPair);

export interface KeyMaterial {
  privatePem: string;
  /** Base64 DER SubjectPublicKeyInfo, the `p=` value. */
  publicKey: string;
  length: DkimKeyLength;
}

export function bitsOf(length: DkimKeyLength): number {
  return length === 'RSA_1024_BIT' ? 1024 : 2048;
}

export async function generateDkimKey(length: DkimKeyLength): Promise<KeyMaterial> {
  const { privateKey, publicKey } = await generate('rsa', { modulusLength: bitsOf(length) });
  return material(privateKey, publicKey, length);
}

/**
 * Reads a BYODKIM private key as SES accepts it: base64 of the DER key (PKCS#1 or PKCS#8), without the
 * BEGIN/END lines; a full PEM is accepted too. RSA of 1024 to 2048 bits.
 */
export function parseByodkimKey(input: string): KeyMaterial {
  let key: KeyObject | undefined;
  const text = input.trim();
  if (text.startsWith('-----BEGIN')) {
    try {
      key = createPrivateKey(text);
    } catch {
      key = undefined;
    }
  } else {
    const der = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    for (const type of ['pkcs8', 'pkcs1'] as const) {
      try {
        key = createPrivateKey({ key: der, format: 'der', type });
        break;
      } catch {
        key = undefined;
      }
    }
  }
  if (!key || key.asymmetricKeyType !== 'rsa')
    throw badRequest(
      'DomainSigningPrivateKey must be a base64-encoded RSA private key (PKCS#1 or PKCS#8) without PEM header lines.',
    );
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 1024 || bits > 2048)
    throw badRequest(`The DKIM private key must be 1024 to 2048 bits long; it has ${bits} bits.`);
  return material(key, createPublicKey(key), bits <= 1024 ? 'RSA_1024_BIT' : 'RSA_2048_BIT');
}

function material(privateKey: KeyObject, publicKey: KeyObject, length: DkimKeyLength): KeyMaterial {
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    length,
  };
}

/** The `p=` value of a DKIM TXT record, whitespace removed; undefined if the record has none. */
export function publicKeyOfRecord(txt: string): string | undefined {
  for (const part of txt.split(';')) {
    const [tag, ...rest] = part.split('=');
    if (tag?.trim() === 'p') return rest.join('=').replace(/\s+/g, '');
  }
  return undefined;
}
