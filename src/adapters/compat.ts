/** Which operations of the official models Sesame implements: the source of docs/ses-compatibility.md. */
import { sesModel } from './aws/model/ses.generated.ts';
import { sesv2Model } from './aws/model/sesv2.generated.ts';
import { v1Handlers } from './ses-v1/index.ts';
import { v2Handlers } from './ses-v2/index.ts';

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
`;
}
