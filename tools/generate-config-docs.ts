/** Writes docs/config.md from the settings schema (src/config/schema.ts). Run: npm run generate:config-docs */
import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../src/config/docs.ts';

writeFileSync(new URL('../docs/config.md', import.meta.url), renderConfigDocs());
console.log('docs/config.md written');
