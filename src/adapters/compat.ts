/** Which operations of the official models Sesame implements: the source of docs/ses-compatibility.md. */
import { sesv2Model } from './aws/model/sesv2.generated.ts';
import { v2Handlers } from './ses-v2/index.ts';

export function renderCompatibilityDocs(): string {
  const v2 = Object.entries(sesv2Model.operations)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, op]) => {
      const bindings = [op, ...(op.alternates ?? [])].map((b) => `\`${b.method} ${b.uri}\``).join('<br>');
      return `| ${name} | ${bindings} | ${v2Handlers[name] ? 'implemented' : 'not supported yet'} |`;
    });
  const implemented = Object.keys(sesv2Model.operations).filter((n) => v2Handlers[n]).length;
  return `# SES API compatibility

<!-- Generated from the service models and the handler tables by \`npm run generate:compat-docs\`; do not edit by hand. -->

Every operation of the official models routes. An operation marked *not supported yet* answers an AWS-shaped
error (\`400 BadRequestException\`, "The SESv2 operation X is not supported by Sesame.") — never a silent
success and never an HTML 404. Models: ${sesv2Model.sources.join('; ')}.

## SES v2 (REST-JSON) — ${implemented} of ${Object.keys(sesv2Model.operations).length} operations implemented

Where AWS moved an operation to a new HTTP binding, both the old binding (AWS CLI v2.9, boto3 of that time) and
the new one (current SDKs) are served.

| Operation | HTTP binding(s) | Status |
|---|---|---|
${v2.join('\n')}
`;
}
