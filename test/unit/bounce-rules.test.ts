import { describe, expect, it } from 'vitest';
import { BOUNCE_RULES } from '../../src/mta/bounces/rules.ts';
import { classify, parseReply } from '../../src/mta/bounces/classify.ts';

describe('bounce classification rules', () => {
  it.each(BOUNCE_RULES.map((r) => [r.name, r] as const))(
    'the example of "%s" is classified by that rule',
    (_name, rule) => {
      const c = classify(parseReply(rule.example));
      expect(c.rule).toBe(rule.name);
      if (rule.permanent) expect(c).toMatchObject({ kind: 'bounce', ...rule.permanent });
      else expect(c).toMatchObject({ kind: 'defer', delayType: rule.delayType });
    },
  );

  it('reads basic and enhanced codes from single and multi-line replies', () => {
    expect(parseReply('550 5.1.1 <a@b>: user unknown')).toEqual({
      code: 550,
      status: '5.1.1',
      text: '<a@b>: user unknown',
    });
    expect(parseReply('550-5.7.1 first line\r\n550 5.7.1 second line')).toEqual({
      code: 550,
      status: '5.7.1',
      text: 'first line second line',
    });
    expect(parseReply('451 Try again later')).toEqual({
      code: 451,
      status: '4.0.0',
      text: 'Try again later',
    });
  });

  it('a corpus of real replies lands where SES would put it', () => {
    const corpus: [string, object][] = [
      [
        '550 5.1.1 <jane@example.com>... User unknown',
        { kind: 'bounce', bounceType: 'Permanent', bounceSubType: 'General' },
      ],
      [
        '550 Requested action not taken: mailbox unavailable',
        { kind: 'bounce', bounceType: 'Permanent', bounceSubType: 'General' },
      ],
      ['552 5.2.2 Mailbox full', { kind: 'bounce', bounceType: 'Transient', bounceSubType: 'MailboxFull' }],
      [
        '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org',
        { kind: 'bounce', bounceType: 'Transient', bounceSubType: 'ContentRejected' },
      ],
      [
        '421 4.7.0 Try again later, closing connection.',
        { kind: 'defer', delayType: 'RecipientServerError' },
      ],
      ['452 4.2.2 Mailbox full', { kind: 'defer', delayType: 'MailboxFull' }],
      [
        '450 4.7.1 Client host rejected: cannot find your hostname',
        { kind: 'defer', delayType: 'RecipientServerError' },
      ],
      [
        '451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (S77714) [spamhaus listed]',
        { kind: 'defer', delayType: 'IPFailure' },
      ],
      ['599 something nobody knows', { kind: 'bounce', bounceType: 'Permanent', bounceSubType: 'General' }],
    ];
    for (const [reply, expected] of corpus)
      expect(classify(parseReply(reply)), reply).toMatchObject(expected);
  });
});
