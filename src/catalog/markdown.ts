/**
 * A module's README as HTML for its catalog page (pure). The text comes from
 * a module zip, so it is hostile: raw HTML in the Markdown is shown as text,
 * never passed through; links keep only http, https and mailto targets (and
 * in-page anchors); images become their alt text, since the mirror's readers
 * have no network to fetch them from. The pages' Content-Security-Policy
 * (nginx) is a second wall behind this one.
 */
import { Marked, type Tokens } from 'marked';

/** HTML-escapes text for element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const SAFE_URL = /^(?:https?:\/\/|mailto:|#)/i;

/** The target a link may keep, or undefined for one to drop (javascript:, data:, relative repository paths). */
export function safeHref(href: string): string | undefined {
  // Browsers ignore control characters and white space inside a scheme ("java\tscript:").
  // eslint-disable-next-line no-control-regex
  const squeezed = href.replace(/[\u0000-\u0020\u007f]/g, '');
  return SAFE_URL.test(squeezed) ? squeezed : undefined;
}

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const inner = this.parser.parseInline(tokens);
      const target = safeHref(href);
      if (target === undefined) return inner;
      const t = title ? ` title="${escapeHtml(title)}"` : '';
      return `<a href="${escapeHtml(target)}"${t} rel="nofollow noopener noreferrer">${inner}</a>`;
    },
    image({ text }: Tokens.Image): string {
      return text ? `<span class="img-alt">[${escapeHtml(text)}]</span>` : '';
    },
  },
});

/** Markdown → sanitized HTML. Inputs larger than `maxChars` are cut there first. */
export function renderReadme(markdown: string, maxChars = 200_000): string {
  const text = markdown.length > maxChars ? `${markdown.slice(0, maxChars)}\n\n…` : markdown;
  return marked.parse(text) as string;
}

/** A plain-text README, shown as preformatted text. */
export function renderPlainReadme(text: string, maxChars = 200_000): string {
  return `<pre>${escapeHtml(text.length > maxChars ? `${text.slice(0, maxChars)}\n…` : text)}</pre>`;
}
