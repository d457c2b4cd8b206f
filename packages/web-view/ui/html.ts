/** preact's `h` bound to htm's tagged templates: the page is written as `html\`<div>…</div>\``, no JSX build step. */
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
