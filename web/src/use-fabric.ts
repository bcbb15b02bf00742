import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { Fabric, FabricStatus } from './fabric.js';

export const FabricContext = createContext<Fabric | undefined>(undefined);

export function useFabric(): Fabric {
  const fabric = useContext(FabricContext);
  if (!fabric) throw new Error('no fabric');
  return fabric;
}

/** The connection's status, re-rendering on every change. */
export function useFabricStatus(): FabricStatus {
  const fabric = useFabric();
  const [status, setStatus] = useState(fabric.status);
  useEffect(() => {
    const stop = fabric.watch(setStatus);
    // A change between the render and this effect (the page may join that fast) would be missed: read it again.
    setStatus(fabric.status);
    return stop;
  }, [fabric]);
  return status;
}
