/** SES v1 receiving: receipt IP filters, receipt rule sets and rules, SendBounce. */
import type { ReceiptActionInput, ReceiptActionRecord, ReceiptRuleRecord } from '../../core/index.ts';
import { pageToken } from '../ses-shared.ts';
import { action, type V1Handler } from './handler.ts';

interface V1Rule {
  Name?: string;
  Enabled?: boolean;
  TlsPolicy?: string;
  Recipients?: string[];
  Actions?: Record<string, Record<string, unknown> | undefined>[];
  ScanEnabled?: boolean;
}

/** The v1 member that holds each action kind. */
const MEMBERS: Record<string, ReceiptActionInput['type']> = {
  S3Action: 'S3',
  BounceAction: 'Bounce',
  LambdaAction: 'Lambda',
  SNSAction: 'SNS',
  StopAction: 'Stop',
  AddHeaderAction: 'AddHeader',
  WorkmailAction: 'Workmail',
  ConnectAction: 'Connect',
};
const MEMBER_OF = Object.fromEntries(Object.entries(MEMBERS).map(([k, v]) => [v, k])) as Record<
  string,
  string
>;

function ruleInput(r: V1Rule | undefined) {
  return {
    name: r?.Name,
    enabled: r?.Enabled,
    tlsPolicy: r?.TlsPolicy,
    recipients: r?.Recipients,
    scanEnabled: r?.ScanEnabled,
    actions: (r?.Actions ?? []).flatMap((a): ReceiptActionInput[] =>
      Object.entries(a)
        .filter(([k, v]) => MEMBERS[k] && v)
        .map(([k, v]) => ({ type: MEMBERS[k]!, members: v! })),
    ),
  };
}

const ACTION_FIELDS: Record<string, string> = {
  bucketName: 'BucketName',
  objectKeyPrefix: 'ObjectKeyPrefix',
  kmsKeyArn: 'KmsKeyArn',
  iamRoleArn: 'IamRoleArn',
  topicArn: 'TopicArn',
  smtpReplyCode: 'SmtpReplyCode',
  statusCode: 'StatusCode',
  message: 'Message',
  sender: 'Sender',
  functionArn: 'FunctionArn',
  invocationType: 'InvocationType',
  encoding: 'Encoding',
  scope: 'Scope',
  headerName: 'HeaderName',
  headerValue: 'HeaderValue',
};

function actionOutput(a: ReceiptActionRecord) {
  const members: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) if (k !== 'type') members[ACTION_FIELDS[k] ?? k] = v;
  return { [MEMBER_OF[a.type]!]: members };
}

export function ruleOutput(r: ReceiptRuleRecord) {
  return {
    Name: r.name,
    Enabled: r.enabled,
    TlsPolicy: r.tlsPolicy,
    Recipients: r.recipients,
    Actions: r.actions.map(actionOutput),
    ScanEnabled: r.scanEnabled,
  };
}

const metadata = (s: { name: string; createdAt: number }) => ({
  Name: s.name,
  CreatedTimestamp: new Date(s.createdAt),
});

interface V1Dsn {
  FinalRecipient?: string;
  Action: string;
  RemoteMta?: string;
  Status: string;
  DiagnosticCode?: string;
  LastAttemptDate?: Date;
  ExtensionFields?: { Name: string; Value: string }[];
}

const fields = (list: { Name: string; Value: string }[] | undefined) =>
  list?.map((f) => ({ name: f.Name, value: f.Value }));

export const receivingActions: Record<string, V1Handler> = {
  SendBounce: action<{
    OriginalMessageId: string;
    BounceSender: string;
    Explanation?: string;
    MessageDsn?: {
      ReportingMta: string;
      ArrivalDate?: Date;
      ExtensionFields?: { Name: string; Value: string }[];
    };
    BouncedRecipientInfoList: { Recipient: string; BounceType?: string; RecipientDsnFields?: V1Dsn }[];
  }>(async (ctx, input) => ({
    MessageId: await ctx.core.inboundWork.sendBounce(ctx.caller.accountId, {
      originalMessageId: input.OriginalMessageId,
      bounceSender: input.BounceSender,
      explanation: input.Explanation,
      messageDsn: input.MessageDsn && {
        reportingMta: input.MessageDsn.ReportingMta,
        arrivalDate: input.MessageDsn.ArrivalDate,
        extensionFields: fields(input.MessageDsn.ExtensionFields),
      },
      recipients: input.BouncedRecipientInfoList.map((r) => ({
        recipient: r.Recipient,
        bounceType: r.BounceType,
        ...(r.RecipientDsnFields
          ? {
              dsn: {
                finalRecipient: r.RecipientDsnFields.FinalRecipient,
                action: r.RecipientDsnFields.Action,
                status: r.RecipientDsnFields.Status,
                remoteMta: r.RecipientDsnFields.RemoteMta,
                diagnosticCode: r.RecipientDsnFields.DiagnosticCode,
                lastAttemptDate: r.RecipientDsnFields.LastAttemptDate,
                extensionFields: fields(r.RecipientDsnFields.ExtensionFields),
              },
            }
          : {}),
      })),
    }),
  })),

  CreateReceiptFilter: action<{ Filter?: { Name?: string; IpFilter?: { Policy?: string; Cidr?: string } } }>(
    async (ctx, input) => {
      await ctx.core.receiptRules.createFilter(ctx.caller.accountId, {
        name: input.Filter?.Name,
        policy: input.Filter?.IpFilter?.Policy,
        cidr: input.Filter?.IpFilter?.Cidr,
      });
      return {};
    },
  ),

  DeleteReceiptFilter: action<{ FilterName: string }>(async (ctx, input) => {
    await ctx.core.receiptRules.deleteFilter(ctx.caller.accountId, input.FilterName);
    return {};
  }),

  ListReceiptFilters: action(async (ctx) => ({
    Filters: (await ctx.core.receiptRules.listFilters(ctx.caller.accountId)).map((f) => ({
      Name: f.name,
      IpFilter: { Policy: f.policy, Cidr: f.cidr },
    })),
  })),

  CreateReceiptRuleSet: action<{ RuleSetName?: string }>(async (ctx, input) => {
    await ctx.core.receiptRules.createRuleSet(ctx.caller.accountId, input.RuleSetName);
    return {};
  }),

  CloneReceiptRuleSet: action<{ RuleSetName?: string; OriginalRuleSetName?: string }>(async (ctx, input) => {
    await ctx.core.receiptRules.cloneRuleSet(
      ctx.caller.accountId,
      input.RuleSetName,
      input.OriginalRuleSetName,
    );
    return {};
  }),

  DeleteReceiptRuleSet: action<{ RuleSetName?: string }>(async (ctx, input) => {
    await ctx.core.receiptRules.deleteRuleSet(ctx.caller.accountId, input.RuleSetName);
    return {};
  }),

  DescribeReceiptRuleSet: action<{ RuleSetName?: string }>(async (ctx, input) => {
    const set = await ctx.core.receiptRules.describeRuleSet(ctx.caller.accountId, input.RuleSetName);
    return { Metadata: metadata(set), Rules: set.rules.map(ruleOutput) };
  }),

  DescribeActiveReceiptRuleSet: action(async (ctx) => {
    const set = await ctx.core.receiptRules.activeRuleSet(ctx.caller.accountId);
    return set ? { Metadata: metadata(set), Rules: set.rules.map(ruleOutput) } : {};
  }),

  ListReceiptRuleSets: action<{ NextToken?: string }>(async (ctx, input) => {
    const page = await ctx.core.receiptRules.listRuleSets(
      ctx.caller.accountId,
      pageToken.decode(input.NextToken),
    );
    return { RuleSets: page.items.map(metadata), NextToken: pageToken.encode(page.next) };
  }),

  SetActiveReceiptRuleSet: action<{ RuleSetName?: string }>(async (ctx, input) => {
    await ctx.core.receiptRules.setActiveRuleSet(ctx.caller.accountId, input.RuleSetName);
    return {};
  }),

  ReorderReceiptRuleSet: action<{ RuleSetName?: string; RuleNames: string[] }>(async (ctx, input) => {
    await ctx.core.receiptRules.reorderRuleSet(ctx.caller.accountId, input.RuleSetName, input.RuleNames);
    return {};
  }),

  CreateReceiptRule: action<{ RuleSetName?: string; After?: string; Rule: V1Rule }>(async (ctx, input) => {
    await ctx.core.receiptRules.createRule(
      ctx.caller.accountId,
      input.RuleSetName,
      ruleInput(input.Rule),
      input.After,
    );
    return {};
  }),

  UpdateReceiptRule: action<{ RuleSetName?: string; Rule: V1Rule }>(async (ctx, input) => {
    await ctx.core.receiptRules.updateRule(ctx.caller.accountId, input.RuleSetName, ruleInput(input.Rule));
    return {};
  }),

  DeleteReceiptRule: action<{ RuleSetName?: string; RuleName?: string }>(async (ctx, input) => {
    await ctx.core.receiptRules.deleteRule(ctx.caller.accountId, input.RuleSetName, input.RuleName);
    return {};
  }),

  DescribeReceiptRule: action<{ RuleSetName?: string; RuleName?: string }>(async (ctx, input) => ({
    Rule: ruleOutput(
      await ctx.core.receiptRules.describeRule(ctx.caller.accountId, input.RuleSetName, input.RuleName),
    ),
  })),

  SetReceiptRulePosition: action<{ RuleSetName?: string; RuleName?: string; After?: string }>(
    async (ctx, input) => {
      await ctx.core.receiptRules.setRulePosition(
        ctx.caller.accountId,
        input.RuleSetName,
        input.RuleName,
        input.After,
      );
      return {};
    },
  ),
};
