/** Writes docs/ses-compatibility.md from the models and handler tables. Run: npm run generate:compat-docs */
import { writeFileSync } from 'node:fs';
import { renderCompatibilityDocs } from '../src/adapters/compat.ts';

writeFileSync(new URL('../docs/ses-compatibility.md', import.meta.url), renderCompatibilityDocs());
console.log('docs/ses-compatibility.md written');
