import { describe, expect, it } from 'vitest';
import { html, unsafeHtml } from '../../src/lib/html.ts';

// Called through another name so that prettier leaves the template's text as written.
const h = html;

describe('html templates', () => {
  it('escapes every interpolated value, keeps fragments, joins arrays, drops null and false', () => {
    const name = `<img src=x onerror="alert('x')"> & co`;
    const out = h`<p title="${name}">${name}</p>${[h`<b>${1}</b>`, 'a<b']}${null}${false}${unsafeHtml('<i>ok</i>')}`;
    expect(out.text).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; co">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; co</p><b>1</b>a&lt;b<i>ok</i>',
    );
  });
});
