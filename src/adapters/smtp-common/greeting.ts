/**
 * smtp-server greets 100 ms after accepting a connection, to catch clients that talk before the greeting (an
 * anti-spam check; it is not configurable). Every client that opens a connection per message (smtp-source,
 * most applications, many MTAs) would pay 100 ms for each: 20 such sessions could not pass 200 messages a
 * second. Sesame's listeners, the MX included, greet at once, as Postfix's smtpd does (its early-talker test
 * lives in postscreen, off by default).
 */
import type { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

const greetingAtOnce = new WeakSet<SMTPServer>();
let patched = false;

export function greetAtOnce(server: SMTPServer): void {
  greetingAtOnce.add(server);
  if (patched) return;
  patched = true;
  const { init } = SMTPConnection.prototype as { init: (this: SMTPConnection) => void };
  SMTPConnection.prototype.init = function (this: SMTPConnection & { _server: SMTPServer }) {
    if (!greetingAtOnce.has(this._server)) return init.call(this);
    this._setListeners(() => this.connectionReady());
  };
}
