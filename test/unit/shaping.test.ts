/**
 * Traffic shaping rules as data: providers matched by MX host suffix, the operator's file over the shipped
 * defaults, and the automation example replies trigger (as the bounce rules are tested: real replies in,
 * the action out). The shaper's limits with an injected clock.
 */
import { describe, expect, it } from 'vitest';
import { ShapingError, buildRules, parseDuration, parseRate, ruleFor } from '../../src/mta/shaping/rules.ts';
import { Shaper } from '../../src/mta/shaping/shaper.ts';

const rules = buildRules();

describe('providers by MX host suffix', () => {
  it.each([
    [['gmail-smtp-in.l.google.com', 'alt1.gmail-smtp-in.l.google.com'], 'google'],
    [['aspmx.l.google.com'], 'google'],
    [['mta5.am0.yahoodns.net'], 'yahoo'],
    [['hotmail-com.olc.protection.outlook.com'], 'outlook'],
    [['example-com.mail.protection.outlook.com'], 'office365'],
    [['mx01.mail.icloud.com.'], 'apple'],
    [['mx1.comcast.net'], 'comcast'],
    [['smtp-in.orange.fr'], 'orange'],
    [['us-smtp-inbound-1.mimecast.com'], 'mimecast'],
    [['mx.example.org'], 'default'],
  ])('%j → %s', (hosts, provider) => {
    expect(ruleFor(rules, hosts).name).toBe(provider);
  });

  it('ships the defaults: Google requires TLS, 50 per connection, 5 connections', () => {
    expect(ruleFor(rules, ['aspmx.l.google.com'])).toMatchObject({
      tls: 'required',
      maxDeliveriesPerConnection: 50,
      connectionLimit: 5,
    });
    expect(ruleFor(rules, ['mta5.am0.yahoodns.net'])).toMatchObject({
      connectionLimit: 10,
      maxDeliveriesPerConnection: 20,
      maxMessageRate: { count: 100, periodMs: 1000 },
    });
    // Other destinations: limited only by SESAME_DESTINATION_CONCURRENCY (a relay to one's own servers is not
    // slowed), until their replies say they are rate limiting.
    expect(rules.fallback).toMatchObject({
      connectionLimit: Infinity,
      maxDeliveriesPerConnection: Infinity,
      maxMessageRate: null,
      tls: 'opportunistic',
    });
  });
});

describe('automation on deferral replies (real providers’ texts)', () => {
  const reacts = (hosts: string[], reply: string) =>
    ruleFor(rules, hosts).automation.find((a) => new RegExp(a.match, 'i').test(reply));
  it.each([
    [
      ['mta5.am0.yahoodns.net'],
      '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints',
      'suspend for 2 h',
    ],
    [
      ['hotmail-com.olc.protection.outlook.com'],
      '451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.',
      '1/min, 1 connection for 90 min',
    ],
    [
      ['aspmx.l.google.com'],
      '421-4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.',
      '1/min, 1 connection for 90 min',
    ],
    [['mx.example.org'], '421 4.3.2 Server busy, try again later', '1/min, 1 connection for 90 min'],
    [['mx1.comcast.net'], '421 RL000010 Too many messages from this IP, try later', 'suspend for 5 min'],
    [['mx.example.org'], '451 4.7.1 Greylisted, try again later', 'nothing'],
    [['mx.example.org'], '452 4.2.2 Mailbox full', 'nothing'],
    // A provider's own automation comes first, then the default block's.
    [
      ['mta5.am0.yahoodns.net'],
      '421 4.7.0 [TS01] Messages from 192.0.2.1 temporarily deferred due to user complaints',
      '1/min, 1 connection for 90 min',
    ],
  ])('%j %s → %s', (hosts, reply, expected) => {
    const a = reacts(hosts, reply);
    const described = !a
      ? 'nothing'
      : a.suspend
        ? `suspend for ${a.durationMs >= 3_600_000 ? `${a.durationMs / 3_600_000} h` : `${a.durationMs / 60_000} min`}`
        : `${a.maxMessageRate!.count}/${a.maxMessageRate!.periodMs === 60_000 ? 'min' : '?'}, ${a.connectionLimit} connection for ${a.durationMs / 60_000} min`;
    expect(described).toBe(expected);
  });
});

describe('the operator’s shaping file', () => {
  it('overrides a shipped block field by field and adds providers', () => {
    const r = buildRules({
      providers: {
        google: { connectionLimit: 2 },
        corp: { mx: ['.corp.example'], maxMessageRate: '10/min', tls: 'required' },
      },
    });
    expect(ruleFor(r, ['aspmx.l.google.com'])).toMatchObject({
      connectionLimit: 2,
      maxDeliveriesPerConnection: 50,
    });
    expect(ruleFor(r, ['mx1.corp.example'])).toMatchObject({
      name: 'corp',
      maxMessageRate: { count: 10, periodMs: 60_000 },
      tls: 'required',
      // Unset fields come from the default block.
      connectionLimit: Infinity,
    });
  });

  it.each([
    [{ default: { maxMessageRate: 'fast' } }, /shaping default: "fast" is not a rate/],
    [{ providers: { x: { connectionLimit: 1 } } }, /providers\.x: mx must list at least one/],
    [
      { providers: { google: { connectionLimit: 0 } } },
      /providers\.google: connectionLimit must be a whole number/,
    ],
    [
      { default: { automation: [{ match: '(', duration: '1h' }] } },
      /automation match "\(" is not a regular expression/,
    ],
    [{ default: { automation: [{ match: 'x', duration: 'soon' }] } }, /"soon" is not a duration/],
  ])('refuses %j with its reason', (input, reason) => {
    expect(() => buildRules(input as never)).toThrow(ShapingError);
    expect(() => buildRules(input as never)).toThrow(reason);
  });

  it('reads rates and durations', () => {
    expect(parseRate('100/s')).toEqual({ count: 100, periodMs: 1000 });
    expect(parseRate('1/5s')).toEqual({ count: 1, periodMs: 5000 });
    expect(parseRate('10000/h')).toEqual({ count: 10000, periodMs: 3_600_000 });
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('3 days'.replace(' days', 'd'))).toBe(259_200_000);
  });
});

describe('the shaper (injected clock)', () => {
  const r = buildRules({
    default: {
      maxMessageRate: '2/s',
      connectionLimit: 2,
      automation: [{ match: 'rate limited', maxMessageRate: '1/min', connectionLimit: 1, duration: '10m' }],
    },
  });
  const rule = r.fallback;
  const key = { source: '127.0.0.101', provider: 'default' };

  it('paces messages at the rate, with a burst of at most the rate’s count', () => {
    let now = 1_000_000;
    const s = new Shaper(r, { now: () => now });
    expect(s.takeMessage(key, rule)).toBe(0);
    expect(s.takeMessage(key, rule)).toBe(0);
    expect(s.takeMessage(key, rule)).toBe(500);
    now += 500;
    expect(s.takeMessage(key, rule)).toBe(0);
  });

  it('counts connections per sending address and provider', () => {
    const s = new Shaper(r, { now: () => 0 });
    expect(s.openConnection(key, rule)).toBe(true);
    expect(s.openConnection(key, rule)).toBe(true);
    expect(s.openConnection(key, rule)).toBe(false);
    expect(s.openConnection({ ...key, source: '127.0.0.102' }, rule)).toBe(true);
    s.closed(key, rule);
    expect(s.openConnection(key, rule)).toBe(true);
  });

  it('a "rate limited" reply slows the path for the rule’s time, then the limits come back', () => {
    let now = 0;
    let changes = 0;
    const s = new Shaper(r, { now: () => now, onChange: () => changes++ });
    s.deferred(key, rule, 'smtp; 451 4.7.28 rate limited, slow down');
    expect(changes).toBe(1);
    expect(s.status()[0]).toMatchObject({
      connectionLimit: 1,
      maxMessageRate: '1/min',
      throttled: { action: 'rate 1/min, 1 connection(s)', reply: 'smtp; 451 4.7.28 rate limited, slow down' },
    });
    expect(s.takeMessage(key, rule)).toBe(60_000);
    now += 60_000;
    expect(s.takeMessage(key, rule)).toBe(0);
    expect(s.takeMessage(key, rule)).toBe(60_000);
    now += 10 * 60_000;
    expect(s.takeMessage(key, rule)).toBe(0);
    expect(s.status()[0]).toMatchObject({ connectionLimit: 2, maxMessageRate: '2/s', throttled: null });
    expect(changes).toBe(2);
    // Another reply does nothing.
    s.deferred(key, rule, 'smtp; 451 4.7.1 Greylisted');
    expect(s.status()[0]!.throttled).toBeNull();
  });
});
