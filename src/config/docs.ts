/** Renders docs/config.md from the settings schema, so the documentation cannot drift from the code. */
import { settings, type SettingDef } from './schema.ts';

export function renderConfigDocs(): string {
  const rows = Object.entries(settings).map(([name, raw]) => {
    const d = raw as SettingDef<unknown>;
    const value: unknown = d.default;
    const dflt =
      typeof value === 'object' && value !== null && 'text' in value
        ? String(value.text)
        : value === undefined
          ? '(unset)'
          : Array.isArray(value)
            ? value.length === 0
              ? '(empty)'
              : value.join(', ')
            : JSON.stringify(value).replace(/^"|"$/g, '');
    return `| \`${d.env}\` | \`${name}\` | ${d.parser.kind} | \`${dflt}\` | ${d.description} |`;
  });
  return `# Configuration

<!-- Generated from src/config/schema.ts by \`npm run generate:config-docs\`; do not edit by hand. -->

Every setting has a default, so \`sesame serve\` runs with none. Set them as environment variables, or in a
JSON config file given with \`--config FILE\` or \`SESAME_CONFIG=FILE\` (keys are the names in the second
column). Environment variables win over the file. An invalid value stops start-up with a message naming the
setting, e.g. \`Invalid setting SESAME_HTTP_PORT (httpPort) from environment variable SESAME_HTTP_PORT: "x" must be an integer from 0 to 65535\`.

| Environment variable | Config file key | Type | Default | Meaning |
|---|---|---|---|---|
${rows.join('\n')}

Example config file:

\`\`\`json
{
  "dataDir": "/var/lib/sesame",
  "databaseUrl": "postgres://sesame@db.internal:5432/sesame",
  "httpHost": "0.0.0.0",
  "publicUrl": "https://mail.example.com",
  "dnsServers": ["10.0.0.2", "10.0.0.3:5353"]
}
\`\`\`
`;
}
