import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// The global sheet first: the components' CSS modules come after it, so at equal specificity theirs wins.
import './ui/styles.css';
import { App } from './ui/App';

// cli/bench.ts drives the page through this hook; a normal visit never loads it.
if (new URLSearchParams(location.search).has('bench'))
  void import('./state/browserBench').then((m) => m.registerBrowserBench());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
