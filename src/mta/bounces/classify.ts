/** Turns an SMTP reply into an SES disposition using the rules in rules.ts. */
import type { BounceSubType, BounceType, DelayType } from '../../core/index.ts';
import { BOUNCE_RULES, type BounceRule } from './rules.ts';

export interface Reply {
  code: number;
  /** Enhanced status code if the reply carries one (or one inferred from the basic code). */
  status: string;
  text: string;
}

export type Classification =
  | { kind: 'bounce'; bounceType: BounceType; bounceSubType: BounceSubType; rule: string }
  | { kind: 'defer'; delayType: DelayType; rule: string };

/** Parses `550 5.1.1 <a@b>: user unknown` (possibly multi-line) into code, status and text. */
export function parseReply(response: string): Reply {
  const lines = response.trim().split(/\r?\n/);
  const m = /^(\d{3})[ -]?(?:([245]\.\d{1,3}\.\d{1,3})\b)?\s*(.*)$/.exec(lines[0] ?? '');
  const code = m ? Number(m[1]) : 0;
  const status = m?.[2] ?? (code >= 500 ? '5.0.0' : code >= 400 ? '4.0.0' : '2.0.0');
  const text = lines
    .map((l) => l.replace(/^\d{3}[ -]?(?:[245]\.\d{1,3}\.\d{1,3}\s*)?/, ''))
    .join(' ')
    .trim();
  return { code, status, text };
}

function matches(rule: BounceRule, reply: Reply): boolean {
  if (rule.status && !rule.status.test(reply.status)) return false;
  if (rule.code && !rule.code.test(String(reply.code))) return false;
  if (rule.text && !new RegExp(rule.text.source, 'i').test(reply.text)) return false;
  if (!rule.status && !rule.code) return false;
  // Enhanced status and basic code must agree on the class (a 5.x.x rule never classifies a 4xx reply).
  return String(reply.code)[0] === reply.status[0] || !rule.status;
}

export function classify(reply: Reply): Classification {
  const permanent = reply.code >= 500;
  for (const rule of BOUNCE_RULES) {
    if (permanent ? !rule.permanent : !rule.delayType) continue;
    if (!matches(rule, reply)) continue;
    return rule.permanent
      ? { kind: 'bounce', ...rule.permanent, rule: rule.name }
      : { kind: 'defer', delayType: rule.delayType!, rule: rule.name };
  }
  return permanent
    ? { kind: 'bounce', bounceType: 'Undetermined', bounceSubType: 'Undetermined', rule: 'unclassified' }
    : { kind: 'defer', delayType: 'Undetermined', rule: 'unclassified' };
}
