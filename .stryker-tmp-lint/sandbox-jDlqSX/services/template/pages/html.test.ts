// @ts-nocheck
import { expect } from 'chai';
import { escapeHtml, html } from './html.ts';

describe('page HTML (OWASP XSS rule 1: encode on output)', () => {
  it('escapes strings, keeps numbers, markup made by html and lists of it', () => {
    const name = '<script>alert("x")</script> & \'q\'';
    const made = html`<p title="${name}">${name} ${3} ${html`<b>${'<i>'}</b>`}${[html`<li>a</li>`, html`<li>b</li>`]}</p>`;
    expect(made.text).to.equal('<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39; 3 <b>&lt;i&gt;</b><li>a</li><li>b</li></p>');
    expect(escapeHtml('plain')).to.equal('plain');
    expect(html``.text).to.equal('');
  });
});
