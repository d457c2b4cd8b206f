/** Image policies and the latest tag each chose. */
import { html } from '../html.js';
import { HealthBadge } from '../common.js';
import type { PageState } from '../state.js';

export function ImagesPage({ state }: { state: PageState }) {
  const policies = [...state.imagePolicies.values()];
  return html`<section class="images">
    <h2>Image policies</h2>
    ${!state.served.ImagePolicy && policies.length === 0
      ? html`<p class="muted">Not shown: the cluster does not serve ImagePolicies (image.weft.dev/v1), or this operator runs without image automation (<code>weft install --components-extra image-automation</code>).</p>`
      : policies.length === 0
        ? html`<p class="muted">No image policies.</p>`
        : html`<table>
            <thead><tr><th>Policy</th><th>Repository</th><th>Latest image</th><th>Digest</th><th>Status</th></tr></thead>
            <tbody>${policies.map(
              (policy) => html`<tr data-id=${policy.id}>
                <td>${policy.namespace}/${policy.name}</td>
                <td>${policy.repository.split('/').slice(1).join('/')}</td>
                <td><code>${policy.image ?? '—'}${policy.tag ? `:${policy.tag}` : ''}</code></td>
                <td><code>${policy.digest ? policy.digest.slice(0, 19) : '—'}</code></td>
                <td><${HealthBadge} health=${policy.health} /> <span class="muted small">${policy.message}</span></td>
              </tr>`,
            )}</tbody>
          </table>`}
  </section>`;
}
