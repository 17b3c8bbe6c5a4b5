import { useEffect } from 'react';
import { useDatasetStore } from '../state/datasetStore';
import { DataScreen } from './data/DataScreen';

export function App() {
  const restore = useDatasetStore((s) => s.restore);
  useEffect(() => {
    void restore();
  }, [restore]);

  return (
    <>
      <header className="app-header">
        <h1>Phased IFT Studio</h1>
        <span className="tagline">instruction fine-tuning, easy → hard, on your own GPU</span>
      </header>
      <main>
        <DataScreen />
      </main>
    </>
  );
}
