// Types of boundaries.js for the TypeScript that imports it (the fixture test).
import type { Linter } from 'eslint';

export function boundariesConfig(root?: string): Linter.Config;
export const layers: Record<string, { may: string[]; packages: string[]; why: string }>;
export const subpathHomes: { pattern: RegExp; home: string; why: string }[];
