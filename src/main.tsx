import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import './ui/styles.css';

// cli/bench.ts drives the page through this hook; a normal visit never loads it.
if (new URLSearchParams(location.search).has('bench')) void import('./state/browserBench').then((m) => m.registerBrowserBench());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
