/** Boot: one transport for the page's lifetime, one typed client, then the shell. */
import { mount } from 'svelte';

import App from './App.svelte';
import { createBootTransport, pageLacksToken } from './boot/create-transport';
import { createStudioClient } from './boot/studio-client';

import './styles/tokens.css';
import './styles/base.css';

const live = createBootTransport(window);
const target = document.getElementById('app');
if (target === null) throw new Error('index.html lacks the #app element.');

mount(App, {
  target,
  props: { live, client: createStudioClient(live), missingToken: pageLacksToken(window) },
});
