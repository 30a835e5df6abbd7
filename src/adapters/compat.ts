/** Which operations of the official models Sesame implements: the source of docs/ses-compatibility.md. */
import { sesModel } from './aws/model/ses.generated.ts';
import { sesv2Model } from './aws/model/sesv2.generated.ts';
import { v1Handlers } from './ses-v1/index.ts';
import { v2Handlers } from './ses-v2/index.ts';
import { cloudwatchModel } from './aws/model/cloudwatch.generated.ts';
import { cloudWatchHandlers } from './cloudwatch/handlers.ts';
import { snsModel } from './aws/model/sns.generated.ts';
import { snsHandlers } from './sns/index.ts';

function actionTable(
  ops: Record<string, unknown>,
  handlers: Record<string, unknown>,
): { rows: string; n: number } {
  const names = Object.keys(ops).sort();
  return {
    rows: names
      .map((name) => `| ${name} | ${handlers[name] ? 'implemented' : 'not supported yet'} |`)
      .join('\n'),
    n: names.filter((n) => handlers[n]).length,
  };
}

export function renderCompatibilityDocs(): string {
  const v2 = Object.entries(sesv2Model.operations)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, op]) => {
      const bindings = [op, ...(op.alternates ?? [])].map((b) => `\`${b.method} ${b.uri}\``).join('<br>');
      return `| ${name} | ${bindings} | ${v2Handlers[name] ? 'implemented' : 'not supported yet'} |`;
    });
  const implemented = Object.keys(sesv2Model.operations).filter((n) => v2Handlers[n]).length;
  const v1 = Object.keys(sesModel.operations)
    .sort()
    .map((name) => `| ${name} | ${v1Handlers[name] ? 'implemented' : 'not supported yet'} |`);
  const v1Implemented = Object.keys(sesModel.operations).filter((n) => v1Handlers[n]).length;
  const cw = actionTable(cloudwatchModel.operations, cloudWatchHandlers);
  const sns = actionTable(snsModel.operations, snsHandlers);
  return `# SES API compatibility

<!-- Generated from the service models and the handler tables by \`npm run generate:compat-docs\`; do not edit by hand. -->

Every operation of the official models routes. An operation marked *not supported yet* answers an AWS-shaped
error — never a silent success and never an HTML 404. SES v2 model: ${sesv2Model.sources.join('; ')}.

## SES v2 (REST-JSON) — ${implemented} of ${Object.keys(sesv2Model.operations).length} operations implemented

Operations not implemented answer \`400 BadRequestException\` "The SESv2 operation X is not supported by Sesame."
Where AWS moved an operation to a new HTTP binding, both the old binding (AWS CLI v2.9, boto3 of that time) and
the new one (current SDKs) are served.

| Operation | HTTP binding(s) | Status |
|---|---|---|
${v2.join('\n')}

## SES v1 (Query, \`POST /\`) — ${v1Implemented} of ${Object.keys(sesModel.operations).length} actions implemented

Actions not implemented answer \`400 InvalidAction\` "The SES action X is not supported by Sesame." Model:
${sesModel.sources.join('; ')}.

| Action | Status |
|---|---|
${v1.join('\n')}

## CloudWatch (Query and JSON 1.0, \`POST /\`, signing name \`monitoring\`) — ${cw.n} of ${Object.keys(cloudwatchModel.operations).length} actions implemented

Over Sesame's own \`AWS/SES\` metrics and alarms (docs/capabilities/monitoring.md). Debian's \`aws cloudwatch\`
and boto3 speak Query; the current \`@aws-sdk/client-cloudwatch\` speaks awsJson1_0 with query-compatible errors;
both are served. Actions not implemented answer \`400 InvalidAction\` "The CloudWatch action X is not supported by
Sesame." Model: ${cloudwatchModel.sources.join('; ')}.

| Action | Status |
|---|---|
${cw.rows}

## SNS (Query, \`POST /\`, signing name \`sns\`) — ${sns.n} of ${Object.keys(snsModel.operations).length} actions implemented

Topics for SES event destinations, identity notifications, receipt rules and alarms; http, https, email and
email-json subscriptions. Actions not implemented answer \`400 InvalidAction\`. Model: ${snsModel.sources.join('; ')}.

| Action | Status |
|---|---|
${sns.rows}

${DIFFERENCES}`;
}

/**
 * Where Sesame answers differently from SES on purpose, or where SES's behaviour is not documented and Sesame
 * chose: kept here so the page that lists the operations says it too.
 */
const DIFFERENCES = `## Deliberate differences and choices

| Where | What Sesame does | Why |
|---|---|---|
| NextToken | Tokens are Sesame's own (opaque, versioned). One Sesame did not issue is refused: \`BadRequestException\` (v2; \`InvalidNextTokenException\` for ListSuppressedDestinations, as its model says), \`InvalidParameterValue\` (v1), \`InvalidParameter\` (SNS), all "The NextToken is not valid." | SES refuses bad tokens; its wording for the other lists is not documented. |
| Message tags \`ses:feedback-id-a\`, \`ses:feedback-id-b\` | Accepted (the only \`ses:\` tag names a sender may set) and published with the events' tags. Sesame does not yet write them into a \`Feedback-ID\` header. | SES fills its own Feedback-ID header from them; its exact layout is not documented. |
| SNS \`UnsubscribeURL\` | SNS's form, \`<endpoint>/?Action=Unsubscribe&SubscriptionArn=…\`, answered without credentials as SNS answers it: the subscription ARN (with its random id) is the key. | Matches what SNS subscribers and tooling expect. |
| SNS signatures | SignatureVersion 1 (SHA1withRSA) unless the topic's \`SignatureVersion\` attribute is 2; the certificate is Sesame's own, at \`SigningCertURL\`. | AWS's validators only trust certificates on amazonaws.com hosts: configure your validator for Sesame's host. |
| Topic attributes | \`DisplayName\` and \`SignatureVersion\` only; any other attribute is refused with \`InvalidParameter\`. | Never store a setting that has no effect. |
| CloudWatch periods | Multiples of 60 s only (one-minute buckets kept 15 days, hourly ones 455 days; older than 15 days needs a multiple of 3600 or returns no points, as CloudWatch does). Statistics: SampleCount, Average, Sum, Minimum, Maximum; percentiles and metric math are refused. | SES's metrics are counts (each event a datapoint of value 1) and sampled rates. |
| Alarm actions | SNS topics of the account, and a configuration set's ARN (paused on ALARM, resumed on OK: SES's Lambda recipe built in); Lambda, Auto Scaling, EC2 and Systems Manager actions are refused at PutMetricAlarm. | Never accept an action that would not run. |
| GetEmailAddressInsights | Judged locally: syntax, the domain's MX/A records, role and disposable addresses, random-looking local parts, the account's bounce suppressions. No SMTP probe is made, so \`MailboxExists\` is never HIGH. | Probing other people's mail servers is not something a self-hosted server should do on request. |
| Event publishing | The event's \`mail\` carries no \`sourceIp\`/\`callerIdentity\` (they are the \`ses:source-ip\`/\`ses:caller-identity\` tags), \`delivery\` no \`remoteMtaIp\`, and the Send event of SendTemplatedEmail no \`sourceArn\`; identity notifications (SetIdentityNotificationTopic) keep them. Notifications carry the Subject "Amazon SES Email Event Notification"; a new event destination's topic gets "Successfully validated SNS topic for Amazon SES event publishing." | As SES publishes them. |
| Identities given as \`Name <address>\` | VerifyEmailIdentity / VerifyEmailAddress / CreateEmailIdentity verify the address inside the angle brackets. | SES takes the mailbox form; the identity is the address. |
| CreateCustomVerificationEmailTemplate | Refused when \`FromEmailAddress\` is not a verified identity (v1 \`FromEmailAddressNotVerified\`, v2 \`BadRequestException\`); sending refuses too if the identity was removed since. | SES checks at create time. |
| VdmOptions | Stored and returned by GetConfigurationSet; they change nothing yet (Sesame has no VDM dashboard). | SDKs send them; an optional block never fails a create. |
| UpdateContactList | A complete replacement: topics and description not given are removed. | SES documents UpdateContactList as a complete replacement. |
`;
