import { render } from 'preact';
import { App } from './app.js';
import { Fabric, type PageConfig } from './fabric.js';
import { FabricContext } from './use-fabric.js';
import './styles.css';

const config = (await (await fetch('./config.json')).json()) as PageConfig;
const fabric = new Fabric(config);
fabric.start();
render(
  <FabricContext.Provider value={fabric}>
    <App />
  </FabricContext.Provider>,
  document.getElementById('app')!,
);
