import { useEffect, useState } from 'react';

/**
 * Whether this page's WebGPU adapter is a software fallback (SwiftShader and the like): true / false once asked,
 * undefined while asking or without WebGPU. A software adapter trains far slower than wasm on the same machine.
 */
export function useSoftwareAdapter(): boolean | undefined {
  const [software, setSoftware] = useState<boolean>();
  useEffect(() => {
    let live = true;
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    if (!gpu) return;
    gpu.requestAdapter({ powerPreference: 'high-performance' }).then(
      (adapter) => {
        if (!live || !adapter) return;
        const info = (adapter as GPUAdapter & { info?: { isFallbackAdapter?: boolean } }).info;
        const legacy = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
        setSoftware(Boolean(info?.isFallbackAdapter ?? legacy));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return software;
}
