/** The headers a Simple or templated send may set through `Headers`: SES's rules for custom headers. */
import type { HeaderField } from '../../lib/mime/index.ts';
import { badRequest } from '../errors.ts';

/** Headers a Simple send may not set through `Headers` (Sesame sets them itself). */
const RESERVED = new Set([
  'bcc',
  'cc',
  'content-disposition',
  'content-transfer-encoding',
  'content-type',
  'date',
  'from',
  'message-id',
  'mime-version',
  'reply-to',
  'return-path',
  'sender',
  'subject',
  'to',
]);

export function checkCustomHeaders(headers: HeaderField[]): void {
  for (const h of headers) {
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(h.name)) throw badRequest(`Invalid header name "${h.name}".`);
    if (RESERVED.has(h.name.toLowerCase()))
      throw badRequest(`The header ${h.name} is reserved and cannot be set in Headers.`);
  }
}
