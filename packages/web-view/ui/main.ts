/**
 * The web view's page: one live stream from the operator, a hash router, six pages. Bundled by
 * esbuild into dist/ui/app.js; the operator serves it with a CSP that allows nothing else.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { session } from './common.js';
import { follow } from './live.js';
import { applyDelta, applySnapshot, emptyState, type PageState } from './state.js';
import { PipelinePage } from './pages/pipeline.js';
import { InventoryPage } from './pages/inventory.js';
import { TimelinePage } from './pages/timeline.js';
import { DiffPage } from './pages/diff.js';
import { ImagesPage } from './pages/images.js';
import { CanariesPage, CanaryPage } from './pages/canaries.js';

const tokenKey = 'weft-web-view-token';

/** A token in the fragment (`#token=…`, as the operator prints the URL) moves to session storage, out of the address bar. */
function takeToken(): string | undefined {
  const found = /^#token=([^&]+)/.exec(location.hash);
  if (found) {
    sessionStorage.setItem(tokenKey, decodeURIComponent(found[1]!));
    history.replaceState(null, '', `${location.pathname}${location.search}#/`);
  }
  return sessionStorage.getItem(tokenKey) ?? undefined;
}

const state: PageState = emptyState();
const listeners = new Set<() => void>();
const changed = () => listeners.forEach((listener) => listener());
let stream: AbortController | undefined;

function connect(): void {
  stream?.abort();
  stream = new AbortController();
  void follow(
    session.token,
    {
      snapshot: (snapshot) => (applySnapshot(state, snapshot), changed()),
      delta: (delta) => (applyDelta(state, delta), changed()),
      connection: (connection, detail) => {
        state.connection = connection;
        state.connectionDetail = detail;
        state.version += 1;
        changed();
      },
    },
    stream.signal,
  );
}

function useRoute(): string {
  const [route, setRoute] = useState(location.hash.replace(/^#/, '') || '/');
  useEffect(() => {
    const onChange = () => setRoute(location.hash.replace(/^#/, '') || '/');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function usePageState(): PageState {
  const [, setVersion] = useState(0);
  useEffect(() => {
    // Deltas arrive up to a few times a second; one render per animation frame is enough.
    let frame = 0;
    const listener = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setVersion(state.version);
      });
    };
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return state;
}

function TokenForm({ detail }: { detail: string | undefined }) {
  const submit = (event: Event) => {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('token') as HTMLInputElement;
    sessionStorage.setItem(tokenKey, input.value.trim());
    session.token = input.value.trim();
    connect();
  };
  return html`<section class="login"><h2>Token required</h2><p class="muted">${detail ?? 'This view needs the operator\'s bearer token.'}</p>
    <form onSubmit=${submit}><input name="token" type="password" autocomplete="off" placeholder="bearer token" /> <button type="submit">Open</button></form></section>`;
}

function Page({ state, route }: { state: PageState; route: string }) {
  const parts = route.split('/').filter(Boolean).map(decodeURIComponent);
  if (state.connection === 'unauthorized') return html`<${TokenForm} detail=${state.connectionDetail} />`;
  if (!state.loaded) return html`<p class="boot">Connecting to the operator…</p>`;
  switch (parts[0]) {
    case 'kustomizations':
      return html`<${InventoryPage} state=${state} namespace=${parts[1] ?? ''} name=${parts[2] ?? ''} />`;
    case 'diff':
      return html`<${DiffPage} state=${state} namespace=${parts[1] ?? ''} name=${parts[2] ?? ''} objectId=${parts[3] ?? ''} />`;
    case 'events':
      return html`<${TimelinePage} state=${state} />`;
    case 'images':
      return html`<${ImagesPage} state=${state} />`;
    case 'canaries':
      return parts[1] ? html`<${CanaryPage} state=${state} namespace=${parts[1]} name=${parts[2] ?? ''} />` : html`<${CanariesPage} state=${state} />`;
    default:
      return html`<${PipelinePage} state=${state} />`;
  }
}

function App() {
  const current = usePageState();
  const route = useRoute();
  const section = route.split('/')[1] ?? '';
  const tab = (href: string, label: string, active: boolean) => html`<a href=${href} class=${active ? 'active' : ''}>${label}</a>`;
  const failed = [...current.kustomizations.values()].filter((kustomization) => kustomization.health === 'failed').length;
  return html`<header>
      <h1>${current.title}</h1>
      <nav>
        ${tab('#/', 'Pipeline', section === '' || section === 'kustomizations' || section === 'diff')}
        ${tab('#/events', 'Events', section === 'events')}
        ${tab('#/images', 'Images', section === 'images')}
        ${tab('#/canaries', 'Canaries', section === 'canaries')}
      </nav>
      <span class=${`connection connection-${current.connection}`} id="connection" title=${current.connectionDetail ?? ''}>${current.connection}</span>
      ${failed > 0 ? html`<span class="badge health-failed">${failed} failing</span>` : null}
      <span class=${current.writeActions ? 'mode write' : 'mode'}>${current.writeActions ? 'write actions on' : 'read-only'}</span>
    </header>
    <div class="content"><${Page} state=${current} route=${route} /></div>`;
}

session.token = takeToken();
connect();
const root = document.getElementById('app')!;
root.textContent = '';
render(html`<${App} />`, root);
