/**
 * Template rendering as SES does it (ses-spec.md §8.2): Handlebars with its built-in helpers and inline
 * partials, no HTML escaping, and a missing attribute is an error ("Attribute 'x' is not present in the
 * rendering data.") except where a block helper (#if, #unless, #each, #with) guards it. Each part (subject,
 * text, HTML) is compiled once, separately, so partials are per part as in SES.
 */
import Handlebars from 'handlebars';

/** Parts of an email template; a part that is absent is not rendered. */
export interface TemplateParts {
  subject?: string | null | undefined;
  text?: string | null | undefined;
  html?: string | null | undefined;
}

export interface RenderedParts {
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
}

/** Why a template could not be rendered: the data is not a JSON object, or the template needs what it lacks. */
export class RenderingError extends Error {
  readonly kind: 'invalid-data' | 'missing-attribute' | 'invalid-template';
  constructor(kind: RenderingError['kind'], message: string) {
    super(message);
    this.name = 'RenderingError';
    this.kind = kind;
  }
}

// An isolated Handlebars environment: no helper or partial of anyone else's, `log` silenced (SES has no log).
const handlebars = Handlebars.create();
handlebars.registerHelper('log', () => '');

type Compiled = (data: unknown) => string;

/** SES renders the newline that follows an inline partial's definition as nothing. */
const afterInline = /(\{\{~?\s*\/inline\s*~?\}\})\r?\n/g;

function compilePart(source: string): Compiled {
  const prepared = source.replace(afterInline, '$1');
  // Parsing now reports syntax errors at creation; compile() itself is lazy.
  handlebars.parse(prepared);
  const template = handlebars.compile(prepared, { strict: true, noEscape: true });
  return (data) => {
    try {
      return template(data);
    } catch (err) {
      throw explain(err, prepared);
    }
  };
}

/** Turns a Handlebars runtime error into SES's wording. */
function explain(err: unknown, source: string): RenderingError {
  const message = err instanceof Error ? err.message : String(err);
  const missing = /^"(.+)" not defined in .* - (\d+):(\d+)$/.exec(message);
  if (missing) {
    const [, name, line, column] = missing;
    return new RenderingError(
      'missing-attribute',
      `Attribute '${pathAt(source, Number(line), Number(column)) ?? name}' is not present in the rendering data.`,
    );
  }
  const partial = /^The partial (.+) could not be found$/.exec(message);
  if (partial) return new RenderingError('invalid-template', `The partial ${partial[1]} could not be found.`);
  return new RenderingError('invalid-template', `The template could not be rendered: ${message}`);
}

/** The dotted path written at a Handlebars location (line 1-based, column 0-based), e.g. `contact.firstName`. */
function pathAt(source: string, line: number, column: number): string | undefined {
  const text = source.split('\n')[line - 1];
  const m = text === undefined ? null : /^[\w.@/-]+/.exec(text.slice(column));
  return m?.[0].replace(/^(this|\.)\//, '');
}

/** A template compiled once; rendering is a function call per message. */
export class CompiledTemplate {
  readonly name: string;
  readonly #subject: Compiled | undefined;
  readonly #text: Compiled | undefined;
  readonly #html: Compiled | undefined;

  /** Throws {@link RenderingError} (invalid-template) when a part is not valid Handlebars. */
  constructor(name: string, parts: TemplateParts) {
    this.name = name;
    try {
      this.#subject = parts.subject ? compilePart(parts.subject) : undefined;
      this.#text = parts.text ? compilePart(parts.text) : undefined;
      this.#html = parts.html ? compilePart(parts.html) : undefined;
    } catch (err) {
      if (err instanceof RenderingError) throw err;
      throw new RenderingError(
        'invalid-template',
        `The template ${name} is not valid: ${(err as Error).message.replace(/\n/g, ' ')}`,
      );
    }
  }

  /** Renders with an object; throws {@link RenderingError}. */
  render(data: Record<string, unknown>): RenderedParts {
    return {
      subject: this.#subject ? this.#subject(data) : '',
      text: this.#text?.(data),
      html: this.#html?.(data),
    };
  }
}

/** Parses template data (a JSON string holding an object); throws {@link RenderingError} (invalid-data). */
export function parseTemplateData(json: string | undefined, what = 'TemplateData'): Record<string, unknown> {
  if (json === undefined || json.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new RenderingError('invalid-data', `${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new RenderingError('invalid-data', `${what} must be a JSON object.`);
  return value as Record<string, unknown>;
}

/**
 * SendBulkEmail's merge of an entry's ReplacementTemplateData over DefaultTemplateData: keys of the
 * replacement win, nested objects merge recursively, arrays are replaced whole (as real SES does).
 */
export function mergeTemplateData(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = Object.hasOwn(out, k) ? out[k] : undefined;
    const value = isPlainObject(b) && isPlainObject(v) ? mergeTemplateData(b, v) : v;
    // defineProperty: a "__proto__" key in the data is data, never the object's prototype.
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
