/**
 * A real DNS server on loopback (UDP and TCP) for tests: Sesame resolves MX/TXT/A through it, so domain
 * verification and MX routing are exercised end to end without touching the Internet.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import dnsPacket from 'dns-packet';

export interface Zone {
  txt?: string[];
  mx?: { exchange: string; priority: number }[];
  a?: string[];
  aaaa?: string[];
  ptr?: string[];
  /** Answer SERVFAIL for this name (a DNS error, not a missing record). */
  servfail?: boolean;
}

export class TestDnsServer {
  readonly zones = new Map<string, Zone>();
  /** Every question asked, in order (`TYPE name`). */
  readonly questions: string[] = [];
  port = 0;
  #udp: Socket | undefined;
  #tcp: Server | undefined;

  /** Adds (or merges) records for a name. */
  /** Adds the TXT records of a zone-file fragment (what `sesame dns-records` prints). */
  publishZoneFile(text: string): void {
    for (const line of text.split('\n')) {
      const m = /^(\S+)\.\t\d+\tIN\tTXT\t(.*)$/.exec(line);
      if (m)
        this.set(m[1]!, {
          txt: [...(this.zones.get(m[1]!)?.txt ?? []), m[2]!.replace(/" "/g, '').replace(/^"|"$/g, '')],
        });
    }
  }

  set(name: string, zone: Zone): void {
    const key = name.toLowerCase().replace(/\.$/, '');
    this.zones.set(key, { ...this.zones.get(key), ...zone });
  }

  delete(name: string): void {
    this.zones.delete(name.toLowerCase().replace(/\.$/, ''));
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    // UDP and TCP on the same port: pick a UDP port, and try again if TCP is taken there.
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket('udp4');
      udp.on('message', (msg, rinfo) => {
        const answer = this.#answer(msg, true);
        if (answer) udp.send(answer, rinfo.port, rinfo.address);
      });
      await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
      const port = udp.address().port;
      const tcp = createServer((sock) => this.#serveTcp(sock));
      const ok = await new Promise<boolean>((resolve) => {
        tcp.once('error', () => resolve(false));
        tcp.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (ok) {
        this.port = port;
        this.#udp = udp;
        this.#tcp = tcp;
        return this;
      }
      udp.close();
      if (attempt > 20) throw new Error('no port free for both UDP and TCP');
    }
  }

  #serveTcp(sock: TcpSocket): void {
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const answer = this.#answer(buf.subarray(2, 2 + len), false);
        buf = buf.subarray(2 + len);
        if (answer) {
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(answer.length);
          sock.write(Buffer.concat([prefix, answer]));
        }
      }
    });
    sock.on('error', () => undefined);
  }

  async stop(): Promise<void> {
    this.#udp?.close();
    await new Promise<void>((resolve) => (this.#tcp ? this.#tcp.close(() => resolve()) : resolve()));
  }

  #answer(msg: Buffer, udp: boolean): Buffer | undefined {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    const question = query.questions?.[0];
    if (!question) return undefined;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    this.questions.push(`${question.type} ${name}`);
    const zone = this.zones.get(name);
    const answers: dnsPacket.Answer[] = [];
    // Response codes travel in the low 4 bits of the flags: 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN.
    let rcode = zone ? 0 : 3;
    if (zone?.servfail) rcode = 2;
    else if (zone) {
      if (question.type === 'TXT')
        for (const t of zone.txt ?? [])
          answers.push({
            type: 'TXT',
            name: question.name,
            ttl: 60,
            data: (t.match(/.{1,255}/g) ?? ['']).map((c) => Buffer.from(c)),
          });
      if (question.type === 'MX')
        for (const m of zone.mx ?? [])
          answers.push({
            type: 'MX',
            name: question.name,
            ttl: 60,
            data: { preference: m.priority, exchange: m.exchange },
          });
      if (question.type === 'A')
        for (const a of zone.a ?? []) answers.push({ type: 'A', name: question.name, ttl: 60, data: a });
      if (question.type === 'PTR')
        for (const p of zone.ptr ?? []) answers.push({ type: 'PTR', name: question.name, ttl: 60, data: p });
      if (question.type === 'AAAA')
        for (const a of zone.aaaa ?? [])
          answers.push({ type: 'AAAA', name: question.name, ttl: 60, data: a });
    }
    const response: dnsPacket.Packet = {
      type: 'response',
      id: query.id ?? 0,
      flags:
        dnsPacket.AUTHORITATIVE_ANSWER |
        ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
        dnsPacket.RECURSION_AVAILABLE |
        rcode,
      questions: [question],
      answers,
    };
    let out = dnsPacket.encode(response);
    if (udp && out.length > 512 && !(query.additionals ?? []).some((a) => a.type === 'OPT')) {
      // Too big for plain UDP: answer truncated so the resolver retries over TCP.
      out = dnsPacket.encode({
        ...response,
        answers: [],
        flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE,
      });
    }
    return out;
  }
}
