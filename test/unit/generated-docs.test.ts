import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { renderCompatibilityDocs } from '../../src/adapters/compat.ts';

describe('generated documentation', () => {
  it('docs/ses-compatibility.md matches the handler tables (npm run generate:compat-docs)', () => {
    expect(readFileSync(new URL('../../docs/ses-compatibility.md', import.meta.url), 'utf8')).toBe(
      renderCompatibilityDocs(),
    );
  });
});
