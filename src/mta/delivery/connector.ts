/**
 * Opening outbound connections: reuses the worker's connection when it still fits (same sending address,
 * TLS when required, under the messages-per-connection limit, one of the destination's hosts), else connects
 * in MX preference order within the shaping connection limit, from the dedicated IP with its EHLO name. A
 * host whose STARTTLS handshake fails is tried in clear for the next hour, as Postfix does.
 */
import type { SendingSource } from '../../core/index.ts';
import type { ShapingRule } from '../shaping/rules.ts';
import type { PathKey, Shaper } from '../shaping/shaper.ts';
import type { DeliverySettings } from './deliverer.ts';
import { SmtpSession, type SessionTarget, type SmtpError } from './session.ts';

/** What traffic shaping decided for one attempt: the rule, where limits are counted, the source, TLS. */
export interface Shaping {
  rule: ShapingRule;
  path: PathKey;
  source: SendingSource | null;
  /** Why TLS is required (the configuration set, or the provider's rule), or null when it is not. */
  tlsRequired: string | null;
}

/** The connection a worker keeps between items for the same destination. */
export interface SessionHolder {
  session?: SmtpSession | undefined;
}

export class Connector {
  readonly #settings: DeliverySettings;
  readonly #shaper: Shaper;
  /** Hosts whose STARTTLS handshake failed: the next connections go without TLS (as Postfix does). */
  readonly #tlsBroken = new Map<string, number>();

  constructor(deps: { settings: DeliverySettings; shaper: Shaper }) {
    this.#settings = deps.settings;
    this.#shaper = deps.shaper;
  }

  /** Reuses the worker's connection when it serves one of these hosts, else connects in preference order. */
  async session(
    hosts: { name: string; addresses: string[] }[],
    holder: SessionHolder,
    shaping: Shaping,
  ): Promise<SmtpSession | { error: string } | { busy: true }> {
    const { source, rule, path } = shaping;
    const tlsRequired = shaping.tlsRequired !== null;
    const current = holder.session;
    if (
      current?.usable &&
      (current.secure || !tlsRequired) &&
      current.target.localAddress === source?.address &&
      current.transactions < rule.maxDeliveriesPerConnection &&
      hosts.some((h) => h.addresses.includes(current.target.address))
    )
      return current;
    current?.close();
    holder.session = undefined;
    // At the connection limit towards this provider from this address: wait for one to close.
    if (!this.#shaper.openConnection(path, rule)) return { busy: true };
    const opened = (session: SmtpSession) => {
      session.whenClosed(() => this.#shaper.closed(path, rule));
      holder.session = session;
      return session;
    };
    const smart = this.#settings.smartHost;
    let lastError = 'no address to connect to';
    for (const host of hosts) {
      for (const address of host.addresses) {
        const target: SessionTarget = {
          address,
          port: smart?.port ?? this.#settings.port,
          servername: host.name,
          secure: smart?.tls === 'tls',
          // The configuration set's TlsPolicy REQUIRE: no delivery without TLS.
          requireTls: smart?.tls === 'require-starttls' || (tlsRequired && smart?.tls !== 'tls'),
          ignoreTls:
            !tlsRequired && (smart?.tls === 'none' || (this.#tlsBroken.get(address) ?? 0) > Date.now()),
          auth: smart?.auth,
          localAddress: source?.address,
        };
        // From a dedicated IP, greet with its name (its PTR), as receivers check.
        const name = source?.ehlo ?? this.#settings.hostname;
        try {
          return opened(
            await SmtpSession.open(target, {
              name,
              timeoutMs: this.#settings.timeoutMs,
              thread: this.#settings.transportThread ?? false,
              chunking: this.#settings.chunking ?? true,
            }),
          );
        } catch (err) {
          const e = err as SmtpError;
          lastError = `${host.name} [${address}]:${target.port}: ${e.response ?? e.message}`;
          if (e.code === 'ETLS' && !target.ignoreTls && !target.requireTls) {
            // A broken STARTTLS: deliver in clear to this host for the next hour, starting now.
            this.#tlsBroken.set(address, Date.now() + 3600_000);
            try {
              return opened(
                await SmtpSession.open(
                  { ...target, ignoreTls: true },
                  {
                    name,
                    timeoutMs: this.#settings.timeoutMs,
                    thread: this.#settings.transportThread ?? false,
                    chunking: this.#settings.chunking ?? true,
                  },
                ),
              );
            } catch (retryErr) {
              lastError = `${host.name} [${address}]:${target.port}: ${(retryErr as Error).message}`;
            }
          }
        }
      }
    }
    this.#shaper.closed(path, rule);
    return {
      error: tlsRequired
        ? `TLS is required (${shaping.tlsRequired}) and could not be used: ${lastError}`
        : lastError,
    };
  }
}
