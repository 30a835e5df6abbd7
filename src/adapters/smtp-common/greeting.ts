/**
 * smtp-server greets 100 ms after accepting a connection, to catch clients that talk before the greeting (an
 * anti-spam check meant for MX servers; it is not configurable). Submission clients are known senders, and the
 * many that open a connection per message (smtp-source, most applications) would pay 100 ms for every message.
 * The submission listeners greet at once; the inbound MX keeps smtp-server's behaviour.
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
